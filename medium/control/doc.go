// Package control serves hwsim-medium's control API: a root-only unix
// socket that speaks versioned, newline-delimited JSON. The daemon creates
// the socket with Listen and serves it with a Server, which carries out
// each request on the medium and its link model. One table (commands.go)
// holds every command: its name, whether it only reads state, whether it
// needs the link model, and its handler; the server dispatches through
// it. docs/control-api.md describes the protocol, and a test keeps its
// list of commands in step with the table. Server.Exec carries out a
// request in-process through the same table, for the daemon's other
// front ends (the web view), so that they change the air exactly as
// vwifi-tool does.
//
// The API is two packages so that clients stay small. This one, the
// server, imports the medium (and through it netlink) and converts the
// medium's and the model's types into the wire types. Package api (in
// medium/control/api) holds those wire types, the error codes and the
// Client, and imports nothing of the medium, so that vwifi-tool and other
// clients link no netlink code. The server stays here, under the name its
// users (the daemon) already import.
package control

import "github.com/hwsim-medium/hwsim-medium/medium/control/api"

// DefaultPath is where the daemon listens unless told otherwise.
const DefaultPath = api.DefaultPath
