package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"slices"
	"sync"

	"github.com/hwsim-medium/hwsim-medium/medium"
)

// maxEdits bounds the journal of model edits. Edits that supersede each
// other are merged (the last move of a radio, say), so only a model with
// thousands of radios and overrides comes near it; then the oldest go.
const maxEdits = 65536

// Source is what the store reads of the medium when it saves;
// *medium.Medium has it.
type Source interface {
	radioLister
	Denylist() []medium.DenyRule
	Blocks() []medium.LinkBlock
}

// radioLister lists radios (a medium or the control API's view of one).
type radioLister interface {
	RadiosPage(from medium.RadioID, limit, maxLinks int) ([]medium.RadioInfo, medium.RadioID)
}

// radiosOf returns every radio of src, without link counters.
func radiosOf(src radioLister) []medium.RadioInfo {
	radios, _ := src.RadiosPage(0, math.MaxInt, -1)
	return radios
}

// Store keeps the state file of one medium up to date: Medium and Model
// wrap what the control API changes so that every change is saved.
type Store struct {
	path string
	src  Source
	log  *slog.Logger

	// wiphy returns a radio's wiphy index (SetWiphys); nil: unknown.
	wiphy func(name string) (uint32, bool)

	mu        sync.Mutex
	created   []string
	modelFile string
	modelSum  string
	edits     []Edit
}

// NewStore returns the store of the state file at path, which src's state
// is saved to. Nothing is written until the first Save.
func NewStore(path string, src Source, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{path: path, src: src, log: log}
}

// SetWiphys tells the store how to find a radio's wiphy index by its
// wiphy name, which tells a radio from a namesake made after the module
// was reloaded. Call it before anything else.
func (s *Store) SetWiphys(f func(name string) (uint32, bool)) { s.wiphy = f }

// wiphyOf returns the wiphy index of the radio called name, if known.
func (s *Store) wiphyOf(name string) *uint32 {
	if s.wiphy == nil {
		return nil
	}
	if idx, ok := s.wiphy(name); ok {
		return &idx
	}
	return nil
}

// Path returns the state file's path.
func (s *Store) Path() string { return s.path }

// SetModel records which configuration file the link model came from and
// its SHA-256 (FileSHA256): model edits are restored only onto the same.
func (s *Store) SetModel(file, sum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modelFile, s.modelSum = file, sum
}

// SetCreated records the wiphy names of the radios the medium created
// and saves.
func (s *Store) SetCreated(names []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created = slices.Clone(names)
	return s.saveLocked()
}

// Save writes the state as it is now.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Store) saveLocked() error {
	st := &State{Version: Version, Created: s.created, ModelFile: s.modelFile, ModelSHA256: s.modelSum, Model: s.edits}
	for _, r := range radiosOf(s.src) {
		st.Radios = append(st.Radios, Radio{Name: r.Name, Iface: r.Iface, HWAddr: r.HWAddr, Wiphy: s.wiphyOf(r.Name)})
	}
	for _, r := range s.src.Denylist() {
		st.Deny = append(st.Deny, DenyRule{Dst: r.Dst, Src: r.Src})
	}
	for _, b := range s.src.Blocks() {
		st.Blocks = append(st.Blocks, Block{TX: b.TX, RX: b.RX})
	}
	return Save(s.path, st)
}

// saved saves after a change, and logs a failure: the change is made
// whether or not it could be saved.
func (s *Store) saved() {
	if err := s.Save(); err != nil {
		s.log.Warn("the state file was not updated: a restart after a crash will not restore this change", "err", err)
	}
}

// record adds an edit to the journal and saves.
func (s *Store) record(e Edit) {
	s.mu.Lock()
	s.edits = appendEdit(s.edits, e)
	err := s.saveLocked()
	s.mu.Unlock()
	if err != nil {
		s.log.Warn("the state file was not updated: a restart after a crash will not restore this change", "err", err)
	}
}

// appendEdit appends e, dropping the edit it supersedes: the journal
// replays to the same model with one edit per key, in the order of each
// key's last edit.
func appendEdit(edits []Edit, e Edit) []Edit {
	k := e.key()
	edits = slices.DeleteFunc(edits, func(o Edit) bool { return o.key() == k })
	if len(edits) >= maxEdits {
		edits = slices.Delete(edits, 0, len(edits)-maxEdits+1)
	}
	return append(edits, e)
}

// Remove deletes the state file (a clean stop that removed its radios).
func (s *Store) Remove() error {
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove state file: %w", err)
	}
	return nil
}

// Created returns the wiphy names of the radios recorded as created by
// the medium (after Restore: those of the state file that are still
// here).
func (s *Store) Created() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.created)
}
