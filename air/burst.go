package air

import (
	"context"

	"github.com/nats-io/nats.go"
)

const (
	// inbox bounds the messages waiting for the medium: past it NATS
	// drops them and reports a slow consumer.
	inbox = 8192
	// maxBurst bounds the messages handed to the medium at once.
	maxBurst = 64
)

// bursts hands the messages of ch to use in bursts, decoded by decode
// (false drops one), until ctx ends: the first message it waits for,
// then whatever else has arrived meanwhile, up to maxBurst. A burst costs
// the medium one lock, one wait for the kernel's answers and one send,
// where a message each would cost as many: under TCG a system call and a
// wake-up cost more than routing a frame.
func bursts[T any](ctx context.Context, ch <-chan *nats.Msg, decode func(*nats.Msg, *T) bool, use func([]T)) {
	batch := make([]T, maxBurst)
	for {
		n := 0
		select {
		case <-ctx.Done():
			return
		case msg := <-ch:
			if decode(msg, &batch[n]) {
				n++
			}
		}
	more:
		for n < maxBurst {
			select {
			case msg := <-ch:
				if decode(msg, &batch[n]) {
					n++
				}
			default:
				break more
			}
		}
		if n > 0 {
			use(batch[:n])
		}
		clear(batch[:n])
	}
}
