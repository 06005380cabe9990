package main

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// minLook is the least time between two looks for radios in every
// network namespace (a few ms per namespace), so that lost announcements
// or a client naming radios that do not exist cannot keep the medium busy
// looking.
const minLook = time.Second

// errTooSoon is a look refused because the last one was less than minLook
// ago.
var errTooSoon = errors.New("looked for radios less than a second ago")

// radioTracker keeps the medium's radios in step with the kernel's: those
// found at start-up in every network namespace, those others create and
// delete (the kernel's announcements), and, when announcements were lost
// or a command names a radio the medium does not know, a fresh look.
type radioTracker struct {
	m    *medium.Medium
	log  *slog.Logger
	find func(ctx context.Context) ([]hwsim.FoundRadio, []error, error)

	mu    sync.Mutex // serialises looks and announcements
	known map[uint32]trackedRadio
	last  time.Time // of the last look

	// names maps hwsim addresses to wiphy names for the medium's
	// RadioName, which it calls with its lock held: a lock of its own,
	// never held while calling the medium.
	namesMu sync.Mutex
	names   map[mac.Addr]string
	wiphys  map[string]uint32 // wiphy name -> wiphy index
}

// trackedRadio is what the tracker knows of a kernel radio.
type trackedRadio struct {
	name string
	hw   mac.Addr
}

func newRadioTracker(log *slog.Logger) *radioTracker {
	return &radioTracker{log: log, find: hwsim.FindRadios, known: map[uint32]trackedRadio{}, names: map[mac.Addr]string{}, wiphys: map[string]uint32{}}
}

// nameOf names a radio that transmits before the medium knew it
// (medium.Config.RadioName).
func (t *radioTracker) nameOf(hw mac.Addr) string {
	t.namesMu.Lock()
	defer t.namesMu.Unlock()
	return t.names[hw]
}

// wiphyOf returns the wiphy index of the radio whose wiphy is called name
// (for the state file, which tells radios apart by it).
func (t *radioTracker) wiphyOf(name string) (uint32, bool) {
	t.namesMu.Lock()
	defer t.namesMu.Unlock()
	idx, ok := t.wiphys[name]
	return idx, ok
}

// remember records a radio; wiphy is its wiphy index, if known (ok).
func (t *radioTracker) remember(id uint32, name string, hw mac.Addr, wiphy uint32, ok bool) {
	t.known[id] = trackedRadio{name: name, hw: hw}
	t.namesMu.Lock()
	t.names[hw] = name
	if ok {
		t.wiphys[name] = wiphy
	}
	t.namesMu.Unlock()
}

func (t *radioTracker) forget(id uint32) {
	k, ok := t.known[id]
	if !ok {
		return
	}
	delete(t.known, id)
	t.namesMu.Lock()
	delete(t.names, k.hw)
	delete(t.wiphys, k.name)
	t.namesMu.Unlock()
}

// look finds the radios of every network namespace and makes the medium
// know each, by its wiphy and interface names and its addresses; radios
// the tracker knew that are gone are removed. It returns what it found.
func (t *radioTracker) look(ctx context.Context) ([]hwsim.FoundRadio, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lookLocked(ctx)
}

func (t *radioTracker) lookLocked(ctx context.Context) ([]hwsim.FoundRadio, error) {
	t.last = time.Now()
	found, skipped, err := t.find(ctx)
	if err != nil {
		return nil, err
	}
	for _, err := range skipped {
		t.log.Debug("a network namespace could not be looked into", "err", err)
	}
	slices.SortFunc(found, func(a, b hwsim.FoundRadio) int { return cmp.Compare(a.ID, b.ID) })
	seen := map[uint32]bool{}
	for i := range found {
		f := &found[i]
		seen[f.ID] = true
		rc := medium.RadioConfig{Name: f.Name, Iface: f.Iface(), HWAddr: f.HWAddr, HWGuess: !f.HWAddrExact}
		for _, ifc := range f.Ifaces {
			if !ifc.Addr.IsZero() {
				rc.Addrs = append(rc.Addrs, ifc.Addr)
			}
		}
		if _, ok := t.known[f.ID]; !ok {
			t.log.Info("radio found", "wiphy", f.Name, "iface", rc.Iface, "netns", f.Netns.String(), "hwaddr", f.HWAddr, "id", f.ID)
		}
		t.m.AddRadio(rc)
		t.remember(f.ID, f.Name, f.HWAddr, f.Wiphy, f.WiphyKnown)
	}
	for id, k := range t.known {
		if !seen[id] {
			if t.m.RemoveRadio(k.name, k.hw) {
				t.log.Info("radio gone", "wiphy", k.name, "id", id)
			}
			t.forget(id)
		}
	}
	return found, nil
}

// lookAgain looks for radios unless the last look was less than minLook
// ago (errTooSoon). The control API calls it when a command names a radio
// the medium does not know: one made since start-up, or an interface
// created or renamed since.
func (t *radioTracker) lookAgain(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.last) < minLook {
		return errTooSoon
	}
	_, err := t.lookLocked(ctx)
	return err
}

// added makes a radio the kernel announced known to the medium.
func (t *radioTracker) added(id uint32, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	hw, exact := hwsim.SysfsHWAddr(name)
	if !exact {
		hw = hwsim.DefaultHWAddr(id)
	}
	t.m.AddRadio(medium.RadioConfig{Name: name, HWAddr: hw, HWGuess: !exact})
	idx, ok := hwsim.SysfsWiphyIndex(name)
	t.remember(id, name, hw, idx, ok)
	t.log.Debug("radio announced", "id", id, "name", name, "hwaddr", hw)
}

// removed forgets a radio the kernel announced gone.
func (t *radioTracker) removed(id uint32, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	hw := t.known[id].hw
	if t.m.RemoveRadio(name, hw) {
		t.log.Info("radio gone", "id", id, "name", name)
	}
	t.forget(id)
}

// follow keeps the medium's radios in step with the kernel's
// announcements until ctx ends. When announcements were lost (the event
// socket overflowed) it looks for radios again, at most once per minLook.
func (t *radioTracker) follow(ctx context.Context, ev *hwsim.RadioEvents) error {
	return t.followEvents(ctx, ev.Events(), ev.Err)
}

// followEvents is follow on a channel of events; errOf says why it was
// closed.
func (t *radioTracker) followEvents(ctx context.Context, events <-chan hwsim.RadioEvent, errOf func() error) error {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-retry:
			retry = nil
			t.resync(ctx, &retry)
		case e, ok := <-events:
			if !ok {
				if err := errOf(); err != nil && ctx.Err() == nil {
					return err
				}
				return nil
			}
			switch e.Kind {
			case hwsim.RadioAdded:
				t.added(e.ID, e.Name)
			case hwsim.RadioRemoved:
				t.removed(e.ID, e.Name)
			case hwsim.RadioEventsLost:
				t.log.Warn("missed radio announcements (the event socket overflowed): looking for radios again")
				if retry == nil {
					t.resync(ctx, &retry)
				}
			}
		}
	}
}

// resync looks for radios now, or arms retry for when it may.
func (t *radioTracker) resync(ctx context.Context, retry *<-chan time.Time) {
	err := t.lookAgain(ctx)
	switch {
	case errors.Is(err, errTooSoon):
		*retry = time.After(minLook)
	case err != nil && ctx.Err() == nil:
		t.log.Warn("looking for radios failed; retrying", "err", err)
		*retry = time.After(minLook)
	}
}
