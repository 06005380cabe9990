// Package persist keeps the state of the air in a file, so that a medium
// that crashed, or was killed, and is started again with the same command
// takes the radios up where it left them: the denylist, the link blocks
// and the live changes of the link model (positions, motion, transmit
// power, link overrides). The file is written atomically after every
// change and describes the radios it was written for; a state file is
// never applied to radios it does not describe.
package persist

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// Version is the version of the file format this package writes and
// reads.
const Version = 1

// DefaultPath is where hwsim-medium keeps its state unless told otherwise.
const DefaultPath = "/run/hwsim-medium/state.json"

// MaxSize bounds the state file that Load reads: a file of 500 radios and
// as many rules is well under 1 MiB.
const MaxSize = 16 << 20

// ErrNewerVersion reports a state file written by a newer hwsim-medium.
var ErrNewerVersion = errors.New("state file written by a newer hwsim-medium")

// State is what the state file holds.
type State struct {
	// Version is the file format's Version.
	Version int `json:"version"`
	// Radios are the radios the state was written for: entries naming
	// other radios, or radios that are not the same now (another hwsim
	// address or wiphy index under the same name), are not applied.
	Radios []Radio `json:"radios"`
	// Created are the wiphy names of the radios hwsim-medium created (and
	// removes when it stops cleanly).
	Created []string `json:"created,omitempty"`
	// Deny is the denylist.
	Deny []DenyRule `json:"deny,omitempty"`
	// Blocks are the blocked links.
	Blocks []Block `json:"blocks,omitempty"`
	// ModelFile and ModelSHA256 identify the link model's configuration
	// file; model edits apply only to a model loaded from the same bytes.
	ModelFile   string `json:"model_file,omitempty"`
	ModelSHA256 string `json:"model_sha256,omitempty"`
	// Model are the live changes of the link model, oldest first.
	Model []Edit `json:"model,omitempty"`
}

// Radio identifies one radio the state describes.
type Radio struct {
	// Name is the wiphy name.
	Name string `json:"name"`
	// Iface is the interface name, if any.
	Iface string `json:"iface,omitempty"`
	// HWAddr is the hwsim address.
	HWAddr mac.Addr `json:"hwaddr"`
	// Wiphy is the wiphy index, if known: cfg80211 never reuses one, so
	// a radio of the same name and address made after the module was
	// reloaded is not taken for this one.
	Wiphy *uint32 `json:"wiphy,omitempty"`
}

// DenyRule is a rule of the denylist: Dst does not receive what Src
// originated.
type DenyRule struct {
	Dst string `json:"dst"`
	Src string `json:"src"`
}

// Block is a blocked direction of a link: RX does not hear TX.
type Block struct {
	TX string `json:"tx"`
	RX string `json:"rx"`
}

// Operations of the model edits.
const (
	OpMove     = "move"      // Radio, Pos
	OpTxPower  = "txpower"   // Radio, DBm
	OpMobility = "mobility"  // Radio, Mobility
	OpLinkSNR  = "link.snr"  // TX, RX, Value (dB)
	OpLinkLoss = "link.loss" // TX, RX, Value (probability)
	OpLinkClr  = "link.clear"
)

// Edit is one live change of the link model, as the control API made it.
type Edit struct {
	Op       string          `json:"op"`
	Radio    string          `json:"radio,omitempty"`
	TX       string          `json:"tx,omitempty"`
	RX       string          `json:"rx,omitempty"`
	Pos      *[3]float64     `json:"pos,omitempty"`
	DBm      *float64        `json:"dbm,omitempty"`
	Value    *float64        `json:"value,omitempty"`
	Mobility *model.Mobility `json:"mobility,omitempty"`
}

// key says which edits an edit supersedes: the later of two edits with
// the same key leaves nothing of the earlier one.
func (e *Edit) key() [4]string { return [4]string{e.Op, e.Radio, e.TX, e.RX} }

// names returns the radio names the edit uses.
func (e *Edit) names() []string {
	if e.Radio != "" {
		return []string{e.Radio}
	}
	return []string{e.TX, e.RX}
}

// Load reads the state file at path. A missing file is (nil, nil): there
// is no state to restore.
func Load(path string) (*State, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("state file %s is larger than %d bytes: not one hwsim-medium wrote", path, MaxSize)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("state file %s is damaged: %w", path, err)
	}
	if st.Version > Version {
		return nil, fmt.Errorf("%s: version %d: %w (this one reads %d)", path, st.Version, ErrNewerVersion, Version)
	}
	if st.Version < 1 {
		return nil, fmt.Errorf("state file %s has no version: not one hwsim-medium wrote", path)
	}
	return &st, nil
}

// Save writes st to path atomically: a reader (or a medium started after
// a crash at any moment) sees the old file or the new one, whole. The
// directory is created if needed; the file is readable by root only.
func Save(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing to remove
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save state to %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	// The rename is durable once the directory is.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// FileSHA256 returns the hex SHA-256 of the file at path, to tie model
// edits to the configuration they were made on.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
