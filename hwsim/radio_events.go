package hwsim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
)

// RadioEventKind says what happened to a radio.
type RadioEventKind uint8

// Kinds of radio events.
const (
	// RadioAdded: a radio was created (HWSIM_CMD_NEW_RADIO).
	RadioAdded RadioEventKind = iota + 1
	// RadioRemoved: a radio was deleted (HWSIM_CMD_DEL_RADIO). Only ID
	// and Name are set.
	RadioRemoved
	// RadioEventsLost: the socket's receive buffer overflowed (ENOBUFS) and
	// events were dropped; list the radios again to resynchronise.
	RadioEventsLost
)

// String names the kind.
func (k RadioEventKind) String() string {
	switch k {
	case RadioAdded:
		return "radio-added"
	case RadioRemoved:
		return "radio-removed"
	case RadioEventsLost:
		return "radio-events-lost"
	}
	return fmt.Sprintf("RadioEventKind(%d)", uint8(k))
}

// RadioEvent is an announcement from the kernel's "config" multicast group.
type RadioEvent struct {
	Kind RadioEventKind
	// RadioInfo describes the radio (for RadioRemoved only ID and Name).
	RadioInfo
}

// parseRadioEvent decodes a config-group message. ok is false for commands
// that are not radio events.
func parseRadioEvent(m genetlink.Message) (ev RadioEvent, ok bool, err error) {
	switch m.Header.Command {
	case CmdNewRadio:
		ev.Kind = RadioAdded
	case CmdDelRadio:
		ev.Kind = RadioRemoved
	default:
		return RadioEvent{}, false, nil
	}
	ri, err := parseRadioInfo(m.Data)
	if err != nil {
		return RadioEvent{}, false, err
	}
	ev.RadioInfo = ri
	return ev, true, nil
}

// RadioEvents follows the kernel's NEW_RADIO / DEL_RADIO announcements on a
// socket of its own, so multicast traffic never mixes with the replies of a
// Client.
type RadioEvents struct {
	conn   *genetlink.Conn
	events chan RadioEvent
	cancel context.CancelFunc
	done   chan struct{}
	close  sync.Once
	err    error // written before done and events are closed
}

// SubscribeRadioEvents opens a new generic-netlink socket, joins the
// MAC80211_HWSIM "config" multicast group on it and delivers events until ctx
// is done or Close is called.
func SubscribeRadioEvents(ctx context.Context) (*RadioEvents, error) {
	conn, err := dialGenetlink()
	if err != nil {
		return nil, fmt.Errorf("subscribe to radio events: dial generic netlink: %w", err)
	}
	s, err := SubscribeRadioEventsConn(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return s, nil
}

// SubscribeRadioEventsConn is SubscribeRadioEvents on an existing
// connection, which it takes over (it closes it when done). The connection
// should be used for nothing else.
func SubscribeRadioEventsConn(ctx context.Context, conn *genetlink.Conn) (*RadioEvents, error) {
	fam, err := resolveFamily(ctx, conn, FamilyName, ErrNoFamily)
	if err != nil {
		return nil, fmt.Errorf("subscribe to radio events: %w", err)
	}
	var group uint32
	var found bool
	for _, g := range fam.Groups {
		if g.Name == ConfigGroup {
			group, found = g.ID, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("subscribe to radio events: family %s has no %q multicast group", FamilyName, ConfigGroup)
	}
	if err := conn.JoinGroup(group); err != nil {
		return nil, fmt.Errorf("subscribe to radio events: join multicast group %q (%d): %w", ConfigGroup, group, err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	s := &RadioEvents{
		conn:   conn,
		events: make(chan RadioEvent, 64),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	// Closing the socket is what unblocks a pending Receive.
	stop := context.AfterFunc(runCtx, s.closeConn)
	go func() {
		err := s.run(runCtx)
		stop()
		s.closeConn()
		s.err = err
		close(s.done)
		close(s.events)
	}()
	return s, nil
}

func (s *RadioEvents) closeConn() {
	s.close.Do(func() { _ = s.conn.Close() })
}

// run receives until ctx is done or the socket fails.
func (s *RadioEvents) run(ctx context.Context) error {
	for {
		msgs, _, err := s.conn.Receive()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) {
				if !s.deliver(ctx, RadioEvent{Kind: RadioEventsLost}) {
					return nil
				}
				continue
			}
			return fmt.Errorf("receive radio events: %w", err)
		}
		for _, m := range msgs {
			ev, ok, err := parseRadioEvent(m)
			if err != nil || !ok {
				// Not for us, or malformed: nothing useful to deliver.
				continue
			}
			if !s.deliver(ctx, ev) {
				return nil
			}
		}
	}
}

func (s *RadioEvents) deliver(ctx context.Context, ev RadioEvent) bool {
	select {
	case s.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// Events returns the channel of events. It is closed when the subscription
// ends (ctx done, Close, or a socket error reported by Err).
func (s *RadioEvents) Events() <-chan RadioEvent { return s.events }

// Err reports why the subscription ended: nil after ctx was done or Close
// was called, the socket error otherwise. Call it after Events is closed.
func (s *RadioEvents) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close ends the subscription, closes its socket and waits for the
// receiving goroutine to exit.
func (s *RadioEvents) Close() error {
	s.cancel()
	s.closeConn()
	<-s.done
	return nil
}
