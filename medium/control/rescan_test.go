package control

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

func TestUnknownRadioIsLookedForOnce(t *testing.T) {
	m := newMedium(t)
	looks := 0
	s := &Server{Medium: m, Rescan: func(context.Context) error {
		looks++
		// The look finds a radio made since start-up.
		m.AddRadio(medium.RadioConfig{Name: "phy3", Iface: "wlan3", HWAddr: mac.Addr{0x42, 0, 0, 0, 3, 0}})
		return nil
	}}
	log := slog.New(slog.DiscardHandler)
	resp, _ := s.handle([]byte(`{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"wlan3","src":"vw1"}]}}`), FullAccess, log)
	assert.True(t, resp.OK, resp.Error)
	assert.Equal(t, 1, looks)

	// A name nobody has: one look, then the error.
	s.Rescan = func(context.Context) error { looks++; return nil }
	resp, _ = s.handle([]byte(`{"v":1,"cmd":"link.block","args":{"tx":"nope","rx":"vw1"}}`), FullAccess, log)
	assert.Equal(t, api.CodeUnknownRadio, resp.Code)
	assert.Equal(t, 2, looks)

	// A look that may not run now (too soon) is not followed by a retry.
	s.Rescan = func(context.Context) error { looks++; return errors.New("too soon") }
	resp, _ = s.handle([]byte(`{"v":1,"cmd":"link.block","args":{"tx":"nope","rx":"vw1"}}`), FullAccess, log)
	assert.Equal(t, api.CodeUnknownRadio, resp.Code)
	assert.Equal(t, 3, looks)
}
