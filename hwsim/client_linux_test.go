package hwsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// ctlFamily is what the fake controller reports for MAC80211_HWSIM.
var ctlFamily = genetlink.Family{
	ID:      0x22,
	Name:    FamilyName,
	Version: FamilyVersion,
	Groups:  []genetlink.MulticastGroup{{ID: 9, Name: ConfigGroup}},
}

// ctlClient returns a Client whose hwsim requests go to fn.
func ctlClient(t *testing.T, fn genltest.Func) *Client {
	t.Helper()
	conn := genltest.Dial(genltest.ServeFamily(ctlFamily, fn))
	c, err := NewClient(context.Background(), conn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ctlAttrs decodes attributes into type -> payload, failing on duplicates.
func ctlAttrs(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	attrs, err := netlink.UnmarshalAttributes(b)
	require.NoError(t, err)
	m := make(map[uint16][]byte, len(attrs))
	for _, a := range attrs {
		_, dup := m[a.Type]
		require.False(t, dup, "attribute %d twice", a.Type)
		m[a.Type] = a.Data
	}
	return m
}

func ctlU32(v uint32) []byte {
	return binary.NativeEndian.AppendUint32(nil, v)
}

// ctlRadioMsg builds a GET_RADIO-style message.
func ctlRadioMsg(t *testing.T, cmd uint8, id uint32, name string, extra func(ae *netlink.AttributeEncoder)) genetlink.Message {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(AttrRadioID, id)
	if extra != nil {
		extra(ae)
	}
	// The kernel puts the name without a terminator.
	ae.Bytes(AttrRadioName, []byte(name))
	b, err := ae.Encode()
	require.NoError(t, err)
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: FamilyVersion}, Data: b}
}

func TestNewClientFamilyMissing(t *testing.T) {
	tests := []struct {
		name       string
		errno      int
		wantNoFam  bool
		wantSubstr string
	}{
		{name: "not loaded", errno: int(unix.ENOENT), wantNoFam: true, wantSubstr: "modprobe mac80211_hwsim radios=0"},
		{name: "other error", errno: int(unix.EPERM), wantNoFam: false, wantSubstr: "operation not permitted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := genltest.Dial(func(_ genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
				require.Equal(t, netlink.HeaderType(unix.GENL_ID_CTRL), nreq.Header.Type)
				return nil, genltest.Error(tt.errno)
			})
			defer conn.Close()
			_, err := NewClient(context.Background(), conn)
			require.Error(t, err)
			assert.Equal(t, tt.wantNoFam, errors.Is(err, ErrNoFamily), "errors.Is(ErrNoFamily): %v", err)
			assert.Contains(t, err.Error(), tt.wantSubstr)
		})
	}
}

func TestFamilyID(t *testing.T) {
	c := ctlClient(t, nil)
	assert.Equal(t, ctlFamily.ID, c.FamilyID())
}

func TestNewRadioEncodesAttributes(t *testing.T) {
	full := RadioConfig{
		Name:             "vw_phy0",
		PermAddr:         mac.Addr{0x02, 0x00, 0x00, 0x00, 0x07, 0x00},
		Channels:         2,
		NoVIF:            true,
		DestroyOnClose:   true,
		UseChanctx:       true,
		IftypeSupport:    1<<IftypeStation | 1<<IftypeAP,
		Ciphers:          []uint32{CipherCCMP128, CipherGCMP256},
		RegAlpha2:        "DE",
		SupportP2PDevice: true,
	}
	tests := []struct {
		name string
		cfg  RadioConfig
		want map[uint16][]byte
		id   int // id the fake kernel assigns
	}{
		{
			name: "full",
			cfg:  full,
			id:   7,
			want: map[uint16][]byte{
				AttrRadioName:           []byte("vw_phy0\x00"),
				AttrPermAddr:            full.PermAddr[:],
				AttrChannels:            ctlU32(2),
				AttrNoVIF:               {},
				AttrDestroyRadioOnClose: {},
				AttrUseChanctx:          {},
				AttrIftypeSupport:       ctlU32(1<<IftypeStation | 1<<IftypeAP),
				AttrCipherSupport:       append(ctlU32(CipherCCMP128), ctlU32(CipherGCMP256)...),
				AttrRegHintAlpha2:       []byte("DE"),
				AttrSupportP2PDevice:    {},
			},
		},
		{
			name: "defaults",
			cfg:  RadioConfig{},
			id:   12,
			want: map[uint16][]byte{},
		},
		{
			name: "first radio has id 0 (plain ack)",
			cfg:  RadioConfig{NoVIF: true},
			id:   0,
			want: map[uint16][]byte{AttrNoVIF: {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []uint8
			c := ctlClient(t, func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
				calls = append(calls, greq.Header.Command)
				require.Equal(t, netlink.HeaderType(ctlFamily.ID), nreq.Header.Type)
				require.Equal(t, uint8(FamilyVersion), greq.Header.Version)
				switch greq.Header.Command {
				case CmdNewRadio:
					require.Equal(t, netlink.Request|netlink.Acknowledge, nreq.Header.Flags)
					got := ctlAttrs(t, greq.Data)
					require.Len(t, got, len(tt.want))
					for typ, want := range tt.want {
						require.Contains(t, got, typ)
						assert.Equal(t, want, got[typ], "attribute %d", typ)
					}
					// The kernel returns the id as a positive code.
					return nil, genltest.Error(-tt.id)
				case CmdGetRadio:
					require.Equal(t, netlink.Request, nreq.Header.Flags)
					got := ctlAttrs(t, greq.Data)
					require.Equal(t, ctlU32(uint32(tt.id)), got[AttrRadioID])
					return []genetlink.Message{ctlRadioMsg(t, CmdGetRadio, uint32(tt.id), tt.cfg.Name, nil)}, nil
				}
				return nil, fmt.Errorf("unexpected command %d", greq.Header.Command)
			})
			id, err := c.NewRadio(context.Background(), tt.cfg)
			require.NoError(t, err)
			assert.Equal(t, uint32(tt.id), id)
			if tt.cfg.Name != "" {
				assert.Equal(t, []uint8{CmdNewRadio, CmdGetRadio}, calls)
			} else {
				assert.Equal(t, []uint8{CmdNewRadio}, calls)
			}
		})
	}
}

func TestNewRadioKernelErrors(t *testing.T) {
	tests := []struct {
		name    string
		errno   syscall.Errno
		wantMsg string
	}{
		{"duplicate address", unix.EEXIST, `create radio "vw_phy0": file exists`},
		{"invalid", unix.EINVAL, `create radio "vw_phy0": invalid argument`},
		{"not root", unix.EPERM, `create radio "vw_phy0": operation not permitted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ctlClient(t, genltest.CheckRequest(ctlFamily.ID, CmdNewRadio, netlink.Request|netlink.Acknowledge,
				func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
					return nil, genltest.Error(int(tt.errno))
				}))
			id, err := c.NewRadio(context.Background(), RadioConfig{Name: "vw_phy0"})
			require.Error(t, err)
			assert.Zero(t, id)
			assert.Equal(t, tt.wantMsg, err.Error())
			assert.ErrorIs(t, err, tt.errno)
			var oe *netlink.OpError
			assert.ErrorAs(t, err, &oe)
		})
	}
}

func TestNewRadioBadAlpha2(t *testing.T) {
	c := ctlClient(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		t.Fatal("request sent")
		return nil, nil
	})
	_, err := c.NewRadio(context.Background(), RadioConfig{RegAlpha2: "DEU"})
	require.ErrorContains(t, err, "two-letter")
}

func TestNewRadioNameTaken(t *testing.T) {
	var deleted []uint32
	c := ctlClient(t, func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
		switch greq.Header.Command {
		case CmdNewRadio:
			return nil, genltest.Error(-3)
		case CmdGetRadio:
			// The kernel fell back to the default name.
			return []genetlink.Message{ctlRadioMsg(t, CmdGetRadio, 3, "phy3", nil)}, nil
		case CmdDelRadio:
			got := ctlAttrs(t, greq.Data)
			ri, err := parseRadioInfo(greq.Data)
			require.NoError(t, err)
			require.NotContains(t, got, AttrRadioName)
			deleted = append(deleted, ri.ID)
			return nil, genltest.Error(0)
		}
		return nil, fmt.Errorf("unexpected command %d", greq.Header.Command)
	})
	id, err := c.NewRadio(context.Background(), RadioConfig{Name: "vw_phy0"})
	require.ErrorIs(t, err, ErrNameInUse)
	assert.Contains(t, err.Error(), `"phy3"`)
	assert.Zero(t, id)
	assert.Equal(t, []uint32{3}, deleted)
}

func TestRadioIDFromAck(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		wantID uint32
		wantOK bool
	}{
		{"positive code 1", &netlink.OpError{Op: "receive", Err: syscall.Errno(uintptr(ctlNegate(1)))}, 1, true},
		{"positive code 4242", &netlink.OpError{Op: "receive", Err: syscall.Errno(uintptr(ctlNegate(4242)))}, 4242, true},
		{"max int32", &netlink.OpError{Op: "receive", Err: syscall.Errno(uintptr(ctlNegate(1<<31 - 1)))}, 1<<31 - 1, true},
		{"real errno", &netlink.OpError{Op: "receive", Err: unix.EEXIST}, 0, false},
		{"other op", &netlink.OpError{Op: "send", Err: syscall.Errno(uintptr(ctlNegate(1)))}, 0, false},
		{"not netlink", errors.New("boom"), 0, false},
		{"wrapped", fmt.Errorf("x: %w", &netlink.OpError{Op: "receive", Err: syscall.Errno(uintptr(ctlNegate(9)))}), 9, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := radioIDFromAck(tt.err)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantID, id)
		})
	}
}

// ctlNegate returns -v as an int (kept out of constant expressions so that the
// conversion to uintptr wraps like the library's does).
func ctlNegate(v int) int { return -v }

func TestDelRadio(t *testing.T) {
	tests := []struct {
		name     string
		call     func(c *Client) error
		wantAttr uint16
		wantData []byte
		errno    int
		wantErr  string
	}{
		{"by id", func(c *Client) error { return c.DelRadio(context.Background(), 5) }, AttrRadioID, ctlU32(5), 0, ""},
		{"by id missing", func(c *Client) error { return c.DelRadio(context.Background(), 5) }, AttrRadioID, ctlU32(5), int(unix.ENODEV), "delete radio 5: no such device"},
		{"by name", func(c *Client) error { return c.DelRadioByName(context.Background(), "vw_phy1") }, AttrRadioName, []byte("vw_phy1\x00"), 0, ""},
		{"by name missing", func(c *Client) error { return c.DelRadioByName(context.Background(), "vw_phy1") }, AttrRadioName, []byte("vw_phy1\x00"), int(unix.ENODEV), `delete radio "vw_phy1": no such device`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ctlClient(t, genltest.CheckRequest(ctlFamily.ID, CmdDelRadio, netlink.Request|netlink.Acknowledge,
				func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
					got := ctlAttrs(t, greq.Data)
					require.Len(t, got, 1)
					assert.Equal(t, tt.wantData, got[tt.wantAttr])
					return nil, genltest.Error(tt.errno)
				}))
			err := tt.call(c)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
			assert.ErrorIs(t, err, unix.ENODEV)
		})
	}
}

func TestRadio(t *testing.T) {
	c := ctlClient(t, genltest.CheckRequest(ctlFamily.ID, CmdGetRadio, netlink.Request,
		func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
			assert.Equal(t, map[uint16][]byte{AttrRadioID: ctlU32(3)}, ctlAttrs(t, greq.Data))
			return []genetlink.Message{ctlRadioMsg(t, CmdGetRadio, 3, "vw_phy3", func(ae *netlink.AttributeEncoder) {
				ae.Uint32(AttrChannels, 2)
			})}, nil
		}))
	ri, err := c.Radio(context.Background(), 3)
	require.NoError(t, err)
	assert.Equal(t, RadioInfo{ID: 3, Name: "vw_phy3", Channels: 2}, ri)
}

func TestRadioMalformed(t *testing.T) {
	c := ctlClient(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return []genetlink.Message{{
			Header: genetlink.Header{Command: CmdGetRadio},
			Data:   []byte{8, 0, byte(AttrRadioID), 0, 1, 0}, // truncated
		}}, nil
	})
	_, err := c.Radio(context.Background(), 3)
	require.ErrorContains(t, err, "get radio 3")
}

func TestRadiosDump(t *testing.T) {
	c := ctlClient(t, genltest.CheckRequest(ctlFamily.ID, CmdGetRadio, netlink.Request|netlink.Dump,
		func(greq genetlink.Message, _ netlink.Message) ([]genetlink.Message, error) {
			require.Empty(t, greq.Data)
			return []genetlink.Message{
				ctlRadioMsg(t, CmdGetRadio, 0, "vw_phy0", func(ae *netlink.AttributeEncoder) {
					ae.Uint32(AttrChannels, 1)
				}),
				// Header-only message (the kernel's dump-interrupted marker).
				{Header: genetlink.Header{Command: CmdGetRadio, Version: FamilyVersion}},
				ctlRadioMsg(t, CmdGetRadio, 4, "vw_phy4", func(ae *netlink.AttributeEncoder) {
					ae.Uint32(AttrChannels, 2)
					ae.Bytes(AttrRegHintAlpha2, []byte("US"))
					ae.Uint32(AttrRegCustomReg, 1)
					ae.Flag(AttrRegStrictReg, true)
					ae.Flag(AttrSupportP2PDevice, true)
					ae.Flag(AttrUseChanctx, true)
					ae.Uint32(200, 99) // unknown attributes are ignored
				}),
			}, nil
		}))
	radios, err := c.Radios(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []RadioInfo{
		{ID: 0, Name: "vw_phy0", Channels: 1},
		{ID: 4, Name: "vw_phy4", Channels: 2, RegAlpha2: "US", RegCustomReg: 1, HasRegCustomReg: true,
			RegStrictReg: true, SupportP2PDevice: true, UseChanctx: true},
	}, radios)
}

func TestRadiosEmpty(t *testing.T) {
	c := ctlClient(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		// Nothing but NLMSG_DONE.
		return nil, io.EOF
	})
	radios, err := c.Radios(context.Background())
	require.NoError(t, err)
	assert.Empty(t, radios)
}

func TestRadiosMalformed(t *testing.T) {
	c := ctlClient(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return []genetlink.Message{{
			Header: genetlink.Header{Command: CmdGetRadio},
			Data:   []byte{8, 0, byte(AttrRadioID), 0, 1, 0}, // truncated
		}}, nil
	})
	_, err := c.Radios(context.Background())
	require.ErrorContains(t, err, "list radios")
}

func TestRequestCancelledContext(t *testing.T) {
	c := ctlClient(t, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		t.Fatal("request sent")
		return nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Radios(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestParseRadioInfo(t *testing.T) {
	enc := func(fn func(ae *netlink.AttributeEncoder)) []byte { return encodeAttrs(t, fn) }
	runParseCases(t, parseRadioInfo, []parseCase[RadioInfo]{
		{
			name: "minimal",
			b:    enc(func(ae *netlink.AttributeEncoder) { ae.Uint32(AttrRadioID, 2) }),
			want: RadioInfo{ID: 2},
		},
		{
			name: "terminated name",
			b: enc(func(ae *netlink.AttributeEncoder) {
				ae.Uint32(AttrRadioID, 2)
				ae.String(AttrRadioName, "vw_phy2")
			}),
			want: RadioInfo{ID: 2, Name: "vw_phy2"},
		},
		{
			name:    "no id",
			b:       enc(func(ae *netlink.AttributeEncoder) { ae.String(AttrRadioName, "x") }),
			wantErr: true,
		},
		{
			name:    "short id",
			b:       enc(func(ae *netlink.AttributeEncoder) { ae.Uint16(AttrRadioID, 2) }),
			wantErr: true,
		},
		{
			name: "flag with payload",
			b: enc(func(ae *netlink.AttributeEncoder) {
				ae.Uint32(AttrRadioID, 2)
				ae.Uint32(AttrUseChanctx, 1)
			}),
			wantErr: true,
		},
		{name: "garbage", b: []byte{1, 2, 3}, wantErr: true},
		{name: "empty", b: nil, wantErr: true},
	})
}

func TestParseRadioEvent(t *testing.T) {
	ev, ok, err := parseRadioEvent(ctlRadioMsg(t, CmdNewRadio, 1, "vw_phy1", nil))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, RadioEvent{Kind: RadioAdded, RadioInfo: RadioInfo{ID: 1, Name: "vw_phy1"}}, ev)

	ev, ok, err = parseRadioEvent(ctlRadioMsg(t, CmdDelRadio, 1, "vw_phy1", nil))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, RadioEvent{Kind: RadioRemoved, RadioInfo: RadioInfo{ID: 1, Name: "vw_phy1"}}, ev)

	_, ok, err = parseRadioEvent(ctlRadioMsg(t, CmdFrame, 1, "vw_phy1", nil))
	require.NoError(t, err)
	assert.False(t, ok)
}

func FuzzParseRadioInfo(f *testing.F) {
	f.Add(encodeAttrs(f, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(AttrRadioID, 3)
		ae.Bytes(AttrRadioName, []byte("vw_phy3"))
		ae.Uint32(AttrChannels, 1)
		ae.Bytes(AttrRegHintAlpha2, []byte("US"))
		ae.Uint32(AttrRegCustomReg, 0)
		ae.Flag(AttrRegStrictReg, true)
		ae.Flag(AttrSupportP2PDevice, true)
		ae.Flag(AttrUseChanctx, true)
	}))
	f.Add([]byte{})
	f.Add([]byte{4, 0, 10, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ri, err := parseRadioInfo(b)
		if err != nil {
			if ri != (RadioInfo{}) {
				t.Fatalf("error %v with non-zero result %+v", err, ri)
			}
			return
		}
		// Whatever parsed must survive a round trip through the event
		// parser too.
		ev, ok, err := parseRadioEvent(genetlink.Message{Header: genetlink.Header{Command: CmdNewRadio}, Data: b})
		if err != nil || !ok || ev.RadioInfo != ri {
			t.Fatalf("event parse differs: %+v %v %v, want %+v", ev, ok, err, ri)
		}
	})
}

// ctlMcastSocket is a netlink.Socket fake for the subscription: it answers
// requests through a genltest.Func and otherwise blocks in Receive until the
// test pushes a multicast batch or the socket is closed, like a real socket.
type ctlMcastSocket struct {
	serve genltest.Func

	mu      sync.Mutex
	replies []netlink.Message
	joined  []uint32

	mcast     chan ctlMcastItem
	closed    chan struct{}
	closeOnce sync.Once
}

type ctlMcastItem struct {
	msgs []genetlink.Message
	err  error
}

func newCtlMcastSocket() *ctlMcastSocket {
	return &ctlMcastSocket{
		serve: genltest.ServeFamily(ctlFamily, func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
			return nil, errors.New("unexpected request on subscription socket")
		}),
		mcast:  make(chan ctlMcastItem),
		closed: make(chan struct{}),
	}
}

func (s *ctlMcastSocket) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

func (s *ctlMcastSocket) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *ctlMcastSocket) Send(m netlink.Message) error {
	var gm genetlink.Message
	if err := gm.UnmarshalBinary(m.Data); err != nil {
		return err
	}
	out, err := s.serve(gm, m)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range out {
		b, err := g.MarshalBinary()
		if err != nil {
			return err
		}
		s.replies = append(s.replies, netlink.Message{
			Header: netlink.Header{Type: m.Header.Type, Sequence: m.Header.Sequence, PID: m.Header.PID},
			Data:   b,
		})
	}
	return nil
}

func (s *ctlMcastSocket) SendMessages(ms []netlink.Message) error {
	for _, m := range ms {
		if err := s.Send(m); err != nil {
			return err
		}
	}
	return nil
}

func (s *ctlMcastSocket) Receive() ([]netlink.Message, error) {
	var out []netlink.Message
	for m, err := range s.ReceiveIter() {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *ctlMcastSocket) ReceiveIter() iter.Seq2[netlink.Message, error] {
	return func(yield func(netlink.Message, error) bool) {
		s.mu.Lock()
		replies := s.replies
		s.replies = nil
		s.mu.Unlock()
		if len(replies) > 0 {
			for _, m := range replies {
				if !yield(m, nil) {
					return
				}
			}
			return
		}
		select {
		case it := <-s.mcast:
			if it.err != nil {
				yield(netlink.Message{}, it.err)
				return
			}
			for _, g := range it.msgs {
				b, err := g.MarshalBinary()
				if err != nil {
					yield(netlink.Message{}, err)
					return
				}
				m := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(ctlFamily.ID)}, Data: b}
				if !yield(m, nil) {
					return
				}
			}
		case <-s.closed:
			yield(netlink.Message{}, net.ErrClosed)
		}
	}
}

func (s *ctlMcastSocket) JoinGroup(g uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined = append(s.joined, g)
	return nil
}

func (s *ctlMcastSocket) LeaveGroup(uint32) error { return nil }

// push hands one multicast batch to the socket's reader.
func (s *ctlMcastSocket) push(t *testing.T, it ctlMcastItem) {
	t.Helper()
	select {
	case s.mcast <- it:
	case <-time.After(5 * time.Second):
		t.Fatal("subscription is not receiving")
	}
}

func ctlNextEvent(t *testing.T, ch <-chan RadioEvent) RadioEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "events closed early")
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return RadioEvent{}
}

func ctlWaitClosed(t *testing.T, ch <-chan RadioEvent) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("events not closed")
		}
	}
}

func TestSubscribeRadioEvents(t *testing.T) {
	tests := []struct {
		name    string
		stop    func(cancel context.CancelFunc, sub *RadioEvents, s *ctlMcastSocket)
		wantErr error
	}{
		{
			name: "context cancelled",
			stop: func(cancel context.CancelFunc, _ *RadioEvents, _ *ctlMcastSocket) { cancel() },
		},
		{
			name: "closed",
			stop: func(_ context.CancelFunc, sub *RadioEvents, _ *ctlMcastSocket) { require.NoError(t, sub.Close()) },
		},
		{
			name: "socket error",
			stop: func(_ context.CancelFunc, _ *RadioEvents, s *ctlMcastSocket) {
				s.push(t, ctlMcastItem{err: unix.EBADF})
			},
			wantErr: unix.EBADF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := newCtlMcastSocket()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sub, err := SubscribeRadioEventsConn(ctx, genetlink.NewConn(netlink.NewConn(sock, 1)))
			require.NoError(t, err)
			defer sub.Close()
			sock.mu.Lock()
			assert.Equal(t, []uint32{9}, sock.joined)
			sock.mu.Unlock()

			sock.push(t, ctlMcastItem{msgs: []genetlink.Message{
				ctlRadioMsg(t, CmdNewRadio, 2, "vw_phy2", func(ae *netlink.AttributeEncoder) { ae.Uint32(AttrChannels, 1) }),
				ctlRadioMsg(t, CmdGetRadio, 2, "vw_phy2", nil), // not an event: skipped
			}})
			sock.push(t, ctlMcastItem{err: unix.ENOBUFS})
			sock.push(t, ctlMcastItem{msgs: []genetlink.Message{ctlRadioMsg(t, CmdDelRadio, 2, "vw_phy2", nil)}})

			assert.Equal(t, RadioEvent{Kind: RadioAdded, RadioInfo: RadioInfo{ID: 2, Name: "vw_phy2", Channels: 1}}, ctlNextEvent(t, sub.Events()))
			assert.Equal(t, RadioEvent{Kind: RadioEventsLost}, ctlNextEvent(t, sub.Events()))
			ev := ctlNextEvent(t, sub.Events())
			assert.Equal(t, RadioRemoved, ev.Kind)
			assert.Equal(t, uint32(2), ev.ID)
			assert.Equal(t, "vw_phy2", ev.Name)

			tt.stop(cancel, sub, sock)
			ctlWaitClosed(t, sub.Events())
			if tt.wantErr != nil {
				assert.ErrorIs(t, sub.Err(), tt.wantErr)
			} else {
				assert.NoError(t, sub.Err())
			}
			assert.True(t, sock.isClosed(), "socket not closed")
			require.NoError(t, sub.Close()) // idempotent
		})
	}
}

func TestSubscribeRadioEventsNoGroup(t *testing.T) {
	sock := newCtlMcastSocket()
	fam := ctlFamily
	fam.Groups = nil
	sock.serve = genltest.ServeFamily(fam, nil)
	_, err := SubscribeRadioEventsConn(context.Background(), genetlink.NewConn(netlink.NewConn(sock, 1)))
	require.ErrorContains(t, err, `no "config" multicast group`)
}

func TestSubscribeRadioEventsCancelWhileBlocked(t *testing.T) {
	// Cancelling must unblock a Receive that waits for a multicast message
	// that never comes (the real socket is unblocked by Close).
	sock := newCtlMcastSocket()
	ctx, cancel := context.WithCancel(context.Background())
	sub, err := SubscribeRadioEventsConn(ctx, genetlink.NewConn(netlink.NewConn(sock, 1)))
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond) // let the reader block
	cancel()
	ctlWaitClosed(t, sub.Events())
	assert.NoError(t, sub.Err())
	assert.True(t, sock.isClosed())
}
