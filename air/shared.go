package air

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/persist"
)

const (
	// maxBucketBytes bounds an air's bucket: thousands of rules, blocks
	// and edits of a few hundred bytes each.
	maxBucketBytes = 16 << 20
	// maxPending bounds the entries waiting for their radios.
	maxPending = 4096
	// maxWritten bounds the revisions this member wrote that the watch
	// has not delivered back yet.
	maxWritten = 4096
	// maxListed bounds the keys a clear of the denylist deletes.
	maxListed = 100000
	// writeTimeout bounds one write to the bucket.
	writeTimeout = 5 * time.Second
	// retryInterval is how often entries waiting for their radios are
	// tried again when nobody calls Retry.
	retryInterval = 2 * time.Second
	// rewatchDelay is the pause before watching again after the watch
	// ended (the connection closed or the bucket went away).
	rewatchDelay = time.Second
	// reconnectCheck is how often the watch checks whether the
	// connection was made anew.
	reconnectCheck = 250 * time.Millisecond
)

// Shared keeps an air's shared state, the denylist, the blocks and the
// live changes of the link model, in the JetStream key-value bucket
// Bucket(air): a change made on any member applies on all, and a member
// that joins late finds the current state there.
type Shared struct {
	js         jetstream.JetStream
	kv         jetstream.KeyValue
	bucket     string
	apply      control.Medium
	applyModel control.Model
	log        *slog.Logger
	retry      chan struct{}

	// mu serializes the changes made here (local change, then its write)
	// with applying those made by others, so that an entry of another
	// member that the bucket ordered before one of ours is never applied
	// after ours.
	mu sync.Mutex
	// written holds, by key, the revision this member wrote last, until
	// the watch delivers it: the watch skips it and what came before.
	written map[string]uint64
	// pending holds, by key, the entries that named a radio this member
	// does not know yet.
	pending map[string]entry

	applied, bad, failed, dropped, writeFailed atomic.Uint64
	// refresh asks Run to apply the whole bucket again (Refresh).
	refresh atomic.Bool
}

// SharedStats counts what a Shared did.
type SharedStats struct {
	// Applied counts the entries of other members applied here.
	Applied uint64
	// Pending is the number of entries waiting for their radios.
	Pending int
	// Bad counts the entries skipped because no member wrote them so.
	Bad uint64
	// Failed counts the entries the medium or the model refused.
	Failed uint64
	// Dropped counts the entries dropped because too many were pending.
	Dropped uint64
	// WriteFailed counts the changes made here that could not be written
	// to the bucket (they apply on this member only).
	WriteFailed uint64
}

// entry is one change read from the bucket.
type entry struct {
	key   string
	rev   uint64
	del   bool
	value []byte
}

// NewShared opens air's bucket, creating it (file storage, history 1) if
// it does not exist yet. Changes others make are applied to apply and
// applyModel (nil: no link model; model changes are then ignored) by Run.
func NewShared(ctx context.Context, js jetstream.JetStream, air string, apply control.Medium, applyModel control.Model, log *slog.Logger) (*Shared, error) {
	if err := CheckName("air", air); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bucket := Bucket(air)
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:       bucket,
			Description:  "hwsim-medium: the shared state of air " + air,
			History:      1,
			Storage:      jetstream.FileStorage,
			MaxBytes:     maxBucketBytes,
			MaxValueSize: maxValue,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket) // another member was first
		}
	}
	if err != nil {
		return nil, fmt.Errorf("air %s: open the shared state (key-value bucket %s): %w", air, bucket, err)
	}
	return &Shared{
		js: js, kv: kv, bucket: bucket,
		apply: apply, applyModel: applyModel, log: log,
		retry:   make(chan struct{}, 1),
		written: map[string]uint64{},
		pending: map[string]entry{},
	}, nil
}

// Stats returns the counters.
func (s *Shared) Stats() SharedStats {
	s.mu.Lock()
	n := len(s.pending)
	s.mu.Unlock()
	return SharedStats{
		Applied: s.applied.Load(), Pending: n, Bad: s.bad.Load(), Failed: s.failed.Load(),
		Dropped: s.dropped.Load(), WriteFailed: s.writeFailed.Load(),
	}
}

// Retry has Run apply again, soon, the entries that named radios not
// known yet; call it when radios join. It never blocks.
func (s *Shared) Retry() {
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// Refresh has Run apply the whole bucket again, soon: call it when a
// member comes back. Its radios left the air with it, and with them what
// the medium and the model keep by radio (blocks, model changes); the
// bucket still holds them. It never blocks.
func (s *Shared) Refresh() {
	s.refresh.Store(true)
	s.Retry()
}

// Run applies the changes others make until ctx ends: first the bucket's
// current content, then every change as it comes. It watches again, from
// where it was, when the watch ends or the connection was made anew.
func (s *Shared) Run(ctx context.Context) error {
	tick := time.NewTicker(retryInterval)
	defer tick.Stop()
	var last uint64 // the last revision seen
	for {
		reconnects := s.js.Conn().Stats().Reconnects
		var opts []jetstream.WatchOpt
		if last > 0 {
			// Everything after last; history is 1, so that is the
			// current value of every key changed since.
			opts = append(opts, jetstream.IncludeHistory(), jetstream.ResumeFromRevision(last+1))
		}
		w, err := s.kv.WatchAll(ctx, opts...)
		if err != nil {
			s.log.Warn("air: watch the shared state", "bucket", s.bucket, "err", err)
		} else {
			last = s.watch(ctx, w, tick.C, last, reconnects)
			s.stop(w)
			if s.refresh.Swap(false) && ctx.Err() == nil {
				last = 0 // from the start: every key's current value
				continue
			}
			if s.js.Conn().Stats().Reconnects != reconnects && s.js.Conn().IsConnected() {
				continue // reconnected: watch anew at once
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(rewatchDelay):
		}
	}
}

// stop stops w in the background: stopping deletes the watch's consumer
// on the server, which waits for the JetStream timeout (5 s by default)
// if the server is away, also when it went away a moment ago. The
// goroutine ends with the reply, or at once when the connection closes.
func (s *Shared) stop(w jetstream.KeyWatcher) {
	go func() { _ = w.Stop() }()
}

// watch applies what w delivers until ctx ends, w does, or the
// connection reconnects, and returns the last revision it saw.
//
// A watch is an ordered consumer of the server's, which a restarted
// server has forgotten; the client library notices when its heartbeats
// stop, which took 20 s in TestSharedSurvivesServerRestart. A new watch
// right after the reconnection carries on at once.
func (s *Shared) watch(ctx context.Context, w jetstream.KeyWatcher, tick <-chan time.Time, last, reconnects uint64) uint64 {
	check := time.NewTicker(reconnectCheck)
	defer check.Stop()
	for {
		select {
		case <-check.C:
			if s.js.Conn().Stats().Reconnects != reconnects {
				s.log.Info("air: reconnected; watching the shared state anew", "bucket", s.bucket, "from", last+1)
				return last
			}
		case <-ctx.Done():
			return last
		case e, ok := <-w.Updates():
			if !ok {
				s.log.Info("air: the watch of the shared state ended; watching again", "bucket", s.bucket)
				return last
			}
			if e == nil {
				continue // the current content is all there
			}
			last = max(last, e.Revision())
			s.handle(entry{
				key: e.Key(), rev: e.Revision(), value: e.Value(),
				del: e.Operation() != jetstream.KeyValuePut,
			})
		case <-s.retry:
			if s.refresh.Load() {
				return last
			}
			s.retryPending()
		case <-tick:
			s.retryPending()
		}
	}
}

// handle applies one entry, unless this member wrote it.
func (s *Shared) handle(e entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.written[e.key]; ok {
		if e.rev <= w {
			if e.rev == w {
				delete(s.written, e.key)
			}
			return // ours, or before ours: the local state is ours
		}
		delete(s.written, e.key)
	}
	delete(s.pending, e.key) // superseded
	s.applyLocked(e)
}

// applyLocked applies e, keeping it for later if it names a radio not
// known yet.
func (s *Shared) applyLocked(e entry) {
	err := s.applyEntry(e)
	switch {
	case err == nil:
		s.applied.Add(1)
	case errors.Is(err, errBadEntry):
		s.bad.Add(1)
		s.log.Debug("air: skipped an entry of the shared state", "bucket", s.bucket, "err", err)
	case errors.Is(err, medium.ErrUnknownRadio):
		if e.del {
			return // nothing to undo on a radio this member does not know
		}
		if _, ok := s.pending[e.key]; !ok && len(s.pending) >= maxPending {
			s.dropped.Add(1)
			s.log.Warn("air: too many changes of the shared state wait for their radios; dropped one", "key", e.key, "max", maxPending)
			return
		}
		s.pending[e.key] = e
	default:
		s.failed.Add(1)
		s.log.Warn("air: could not apply a change of the shared state", "key", e.key, "err", err)
	}
}

// retryPending applies again, in the bucket's order, the entries that
// wait for their radios.
func (s *Shared) retryPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return
	}
	es := make([]entry, 0, len(s.pending))
	for _, e := range s.pending {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.rev, b.rev) })
	for _, e := range es {
		delete(s.pending, e.key)
		s.applyLocked(e)
	}
}

// applyEntry carries out one entry on the medium or the model.
func (s *Shared) applyEntry(e entry) error {
	it, err := parseKey(e.key)
	if err != nil {
		return err
	}
	switch it.kind {
	case kindDeny:
		r := medium.DenyRule{Dst: it.names[0], Src: it.names[1]}
		if e.del {
			s.apply.Allow(r)
			return nil
		}
		var v denyValue
		if err := decodeValue(e.key, e.value, &v); err != nil {
			return err
		}
		if err := sameNames(e.key, &it, v.Dst, v.Src); err != nil {
			return err
		}
		return s.apply.Deny(r)
	case kindBlock:
		if !e.del {
			var v blockValue
			if err := decodeValue(e.key, e.value, &v); err != nil {
				return err
			}
			if err := sameNames(e.key, &it, v.TX, v.RX); err != nil {
				return err
			}
		}
		return s.apply.Block(it.names[0], it.names[1], !e.del)
	}
	return s.applyEdit(e, &it)
}

// applyEdit carries out one model entry.
func (s *Shared) applyEdit(e entry, it *item) error {
	if s.applyModel == nil {
		return nil // no link model here: nothing to move
	}
	if e.del {
		if len(it.names) == 2 {
			return s.applyModel.ClearLink(it.names[0], it.names[1])
		}
		return nil // placements are replaced, never deleted
	}
	var ed persist.Edit
	if err := decodeValue(e.key, e.value, &ed); err != nil {
		return err
	}
	if ed.Op != it.op {
		return fmt.Errorf("key %q holds a %q edit: %w", e.key, ed.Op, errBadEntry)
	}
	names := []string{ed.TX, ed.RX}
	if len(it.names) == 1 {
		names = []string{ed.Radio}
	}
	if err := sameNames(e.key, it, names...); err != nil {
		return err
	}
	if err := persist.ApplyEdit(s.applyModel, &ed); err != nil {
		if errors.Is(err, medium.ErrUnknownRadio) {
			return err
		}
		return fmt.Errorf("key %q: %w", e.key, err)
	}
	return nil
}

// writing returns the context of the writes of one local change: they
// all end within writeTimeout, so a change never waits longer for a
// server that is away, however many keys it writes.
func writing() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), writeTimeout)
}

// putLocked writes value under key; s.mu is held.
func (s *Shared) putLocked(ctx context.Context, key string, value []byte) {
	rev, err := s.kv.Put(ctx, key, value)
	s.wroteLocked(key, rev, err)
}

// deleteLocked deletes key; s.mu is held. It writes the delete marker
// itself rather than call KeyValue.Delete, which does not return the
// revision that the watch must recognise as ours (the marker is the
// key-value protocol's, NATS ADR-8).
func (s *Shared) deleteLocked(ctx context.Context, key string) {
	m := nats.NewMsg("$KV." + s.bucket + "." + key)
	m.Header.Set("KV-Operation", "DEL")
	ack, err := s.js.PublishMsg(ctx, m)
	var rev uint64
	if err == nil {
		rev = ack.Sequence
	}
	s.wroteLocked(key, rev, err)
}

// wroteLocked notes the revision of a write of ours, or its failure.
func (s *Shared) wroteLocked(key string, rev uint64, err error) {
	if err != nil {
		s.writeFailed.Add(1)
		s.log.Warn("air: could not share a change; it applies on this member only", "key", key, "err", err)
		return
	}
	if len(s.written) >= maxWritten {
		// The watch lags far behind or is away: forget; at worst a
		// change of ours is applied twice, which changes nothing.
		clear(s.written)
	}
	s.written[key] = rev
	delete(s.pending, key) // ours supersedes
}

// keysLocked returns the keys of the bucket under prefix (e.g. "deny.").
func (s *Shared) keysLocked(ctx context.Context, prefix string) []string {
	l, err := s.kv.ListKeysFiltered(ctx, prefix+">")
	if err != nil {
		s.writeFailed.Add(1)
		s.log.Warn("air: could not list the shared state", "keys", prefix+"*", "err", err)
		return nil
	}
	defer func() { _ = l.Stop() }()
	var keys []string
	for k := range l.Keys() {
		if len(keys) < maxListed {
			keys = append(keys, k)
		}
	}
	return keys
}
