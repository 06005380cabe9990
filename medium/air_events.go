package medium

import (
	"container/heap"
	"time"
)

// schedule (re)schedules ev at time at.
func (a *air) schedule(ev *event, at time.Duration, kind eventKind) {
	ev.at, ev.kind, ev.seq = at, kind, a.seq
	a.seq++
	if ev.idx >= 0 {
		heap.Fix(&a.events, ev.idx)
		return
	}
	heap.Push(&a.events, ev)
}

func (a *air) cancel(ev *event) {
	if ev.idx >= 0 {
		heap.Remove(&a.events, ev.idx)
	}
}

// eventKind orders events due at the same time: ends before starts, so a
// channel that goes idle at t is idle for a transmission starting at t.
type eventKind uint8

const (
	evTryEnd eventKind = iota
	evAckEnd
	evWaitEnd
	evAckStart
	evStart
)

// event is something due at a simulated time: a radio's next step (ar) or
// an ACK's start or end (tx).
type event struct {
	at   time.Duration
	seq  uint64
	kind eventKind
	ar   *airRadio
	tx   *airTx
	idx  int // in the heap; -1 when not scheduled
}

// eventHeap orders events by time, then kind, then scheduling order.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }

func (h eventHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.seq < b.seq
}

func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}

func (h *eventHeap) Push(x any) {
	ev := x.(*event)
	ev.idx = len(*h)
	*h = append(*h, ev)
}

func (h *eventHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	old[len(old)-1] = nil
	ev.idx = -1
	*h = old[:len(old)-1]
	return ev
}
