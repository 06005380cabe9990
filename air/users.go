package air

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

const (
	// maxUsersFile bounds the users file: one line per member, so a
	// megabyte is thousands of members more than an air needs.
	maxUsersFile = 1 << 20
	// maxUsers bounds the members of one users file.
	maxUsers = 10000
)

// User is one line of a users file: a member name and its password.
type User struct {
	Name     string
	Password string
}

// ReadUsers reads a users file: one member per line, "member password",
// blank lines and lines starting with # ignored. The file must be readable
// by its owner only (it holds passwords), member names must pass
// CheckName, and no member may appear twice.
func ReadUsers(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("air users file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("air users file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("air users file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("air users file %s: readable by others (mode %04o) but it holds passwords: run chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUsersFile+1))
	if err != nil {
		return nil, fmt.Errorf("air users file %s: %w", path, err)
	}
	if len(data) > maxUsersFile {
		return nil, fmt.Errorf("air users file %s: larger than %d bytes", path, maxUsersFile)
	}
	members, err := parseUsers(data)
	if err != nil {
		return nil, fmt.Errorf("air users file %s: %w", path, err)
	}
	return members, nil
}

// parseUsers parses the content of a users file.
func parseUsers(data []byte) ([]User, error) {
	var members []User
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxUsersFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"member password\" (2 words), got %d words", n, len(fields))
		}
		if err := CheckName("member", fields[0]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if first, dup := seen[fields[0]]; dup {
			return nil, fmt.Errorf("line %d: member %q already on line %d", n, fields[0], first)
		}
		if len(members) == maxUsers {
			return nil, fmt.Errorf("line %d: more than %d members", n, maxUsers)
		}
		seen[fields[0]] = n
		members = append(members, User{Name: fields[0], Password: fields[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, errors.New("no members: add one line \"member password\" per member")
	}
	return members, nil
}

// PublishAllow returns the subjects member may publish on: its own
// frames, hellos and acks, and what JetStream key-value access needs
// (the API, puts into the airs' buckets, acks and flow-control replies of
// the watch's ordered consumer, and replies to inboxes). Puts are allowed
// into every bucket ($KV.>), not only hwsim_*: a NATS wildcard is a whole
// subject token, so "$KV.hwsim_*.>" would match no bucket at all; the
// JetStream API ($JS.API.>) gives as much anyway.
func PublishAllow(member string) []string {
	return []string{
		Prefix + ".*.frame." + member,
		Prefix + ".*.hello." + member,
		Prefix + ".*.ack.*." + member,
		"$JS.API.>",
		"$KV.>",
		"$JS.ACK.>",
		"$JS.FC.>",
		"_INBOX.>",
	}
}

// SubscribeAllow returns the subjects every member may subscribe to.
func SubscribeAllow() []string { return []string{Prefix + ".>", "_INBOX.>"} }

// localUser is the name the server's own process connects under.
const localUser = "hwsim-local"

// memberAuth admits the members of a users file, each with the
// permissions of PublishAllow and SubscribeAllow, and the connections the
// server's own process makes in process (Server.InProcess), without a
// password: nothing outside the process can open one (they are pipes, not
// sockets), and that process runs the server anyway, so it may publish as
// any member.
type memberAuth struct {
	users map[string]memberUser
}

// memberUser is one member as memberAuth keeps it.
type memberUser struct {
	sum   [sha256.Size]byte // of the password
	perms *server.Permissions
}

func newMemberAuth(users []User) *memberAuth {
	a := &memberAuth{users: make(map[string]memberUser, len(users))}
	for _, u := range users {
		a.users[u.Name] = memberUser{
			sum: sha256.Sum256([]byte(u.Password)),
			perms: &server.Permissions{
				Publish:   &server.SubjectPermission{Allow: PublishAllow(u.Name)},
				Subscribe: &server.SubjectPermission{Allow: SubscribeAllow()},
			},
		}
	}
	return a
}

// Check implements server.Authentication.
func (a *memberAuth) Check(c server.ClientAuthentication) bool {
	if c.Kind() != server.CLIENT {
		return false // the embedded server has no routes, gateways or leaves
	}
	if addr := c.RemoteAddress(); addr != nil && addr.Network() == "pipe" {
		c.RegisterUser(&server.User{Username: localUser})
		return true
	}
	o := c.GetOpts()
	u, ok := a.users[o.Username]
	// Compare digests, in constant time: the time taken says nothing of
	// how much of a password was right.
	sum := sha256.Sum256([]byte(o.Password))
	if !ok || subtle.ConstantTimeCompare(sum[:], u.sum[:]) != 1 {
		return false
	}
	c.RegisterUser(&server.User{Username: o.Username, Permissions: u.perms})
	return true
}
