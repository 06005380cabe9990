package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// cpioWriter writes a "newc" cpio archive, the format the kernel unpacks as
// initramfs. Parent directories are emitted automatically before their
// children because the kernel does not create them on its own.
type cpioWriter struct {
	w       *bufio.Writer
	ino     uint32
	entries map[string]bool
}

func newCpioWriter(w io.Writer) *cpioWriter {
	return &cpioWriter{w: bufio.NewWriterSize(w, 1<<20), ino: 1, entries: map[string]bool{}}
}

func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

func (c *cpioWriter) header(name string, mode uint32, size int64, nlink uint32) error {
	c.ino++
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, uint32(size), 0, 0, 0, 0, len(name)+1, 0)
	if _, err := io.WriteString(c.w, hdr); err != nil {
		return err
	}
	if _, err := io.WriteString(c.w, name+"\x00"); err != nil {
		return err
	}
	return c.pad(int64(len(hdr) + len(name) + 1))
}

func (c *cpioWriter) pad(n int64) error {
	if r := n % 4; r != 0 {
		_, err := c.w.Write(make([]byte, 4-r))
		return err
	}
	return nil
}

func (c *cpioWriter) parents(name string) error {
	dir := path.Dir(name)
	if dir == "." || dir == "/" || c.entries[dir] {
		return nil
	}
	return c.Mkdir(dir, 0o755)
}

// Has reports whether name was already written.
func (c *cpioWriter) Has(name string) bool { return c.entries[clean(name)] }

// Mkdir writes a directory entry (and its parents).
func (c *cpioWriter) Mkdir(name string, perm uint32) error {
	name = clean(name)
	if name == "" || c.entries[name] {
		return nil
	}
	if err := c.parents(name); err != nil {
		return err
	}
	c.entries[name] = true
	return c.header(name, 0o040000|perm, 0, 2)
}

// Symlink writes a symbolic link name -> target.
func (c *cpioWriter) Symlink(name, target string) error {
	name = clean(name)
	if c.entries[name] {
		return nil
	}
	if err := c.parents(name); err != nil {
		return err
	}
	c.entries[name] = true
	if err := c.header(name, 0o120777, int64(len(target)), 1); err != nil {
		return err
	}
	if _, err := io.WriteString(c.w, target); err != nil {
		return err
	}
	return c.pad(int64(len(target)))
}

// Bytes writes a regular file with the given content.
func (c *cpioWriter) Bytes(name string, perm uint32, data []byte) error {
	name = clean(name)
	if err := c.parents(name); err != nil {
		return err
	}
	c.entries[name] = true
	if err := c.header(name, 0o100000|perm, int64(len(data)), 1); err != nil {
		return err
	}
	if _, err := c.w.Write(data); err != nil {
		return err
	}
	return c.pad(int64(len(data)))
}

// File copies the host file src (symlinks followed) to name. perm 0 keeps
// the source permissions.
func (c *cpioWriter) File(name, src string, perm uint32) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	if perm == 0 {
		perm = uint32(st.Mode().Perm())
	}
	name = clean(name)
	if err := c.parents(name); err != nil {
		return err
	}
	c.entries[name] = true
	if err := c.header(name, 0o100000|perm, st.Size(), 1); err != nil {
		return err
	}
	n, err := io.Copy(c.w, f)
	if err != nil {
		return err
	}
	if n != st.Size() {
		return fmt.Errorf("%s: size changed while copying", src)
	}
	return c.pad(n)
}

// Close writes the trailer and flushes.
func (c *cpioWriter) Close() error {
	if err := c.header("TRAILER!!!", 0, 0, 1); err != nil {
		return err
	}
	return c.w.Flush()
}
