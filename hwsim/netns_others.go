//go:build !linux

package hwsim

import "github.com/mdlayher/genetlink"

// Namespaces returns only the medium's own namespace here.
func Namespaces() ([]Netns, error) { return []Netns{{}}, nil }

func dialGenetlinkIn(ns Netns) (*genetlink.Conn, error) { return dialGenetlink() }
