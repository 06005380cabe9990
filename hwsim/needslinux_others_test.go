//go:build !linux

package hwsim

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every way to a kernel socket says why it cannot work here, instead of a
// netlink library's "not implemented".
func TestNeedsLinux(t *testing.T) {
	ctx := context.Background()
	_, err := Dial(ctx)
	assert.ErrorIs(t, err, ErrNeedsLinux)
	_, err = SubscribeRadioEvents(ctx)
	assert.ErrorIs(t, err, ErrNeedsLinux)
	_, err = DialNL80211(ctx)
	assert.ErrorIs(t, err, ErrNeedsLinux)
	_, err = OpenFrameSocket(0x22)
	assert.ErrorIs(t, err, ErrNeedsLinux)
}
