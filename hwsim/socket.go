package hwsim

import "errors"

// ErrBusy is returned by Register when another medium already serves the
// network namespace: the kernel allows one per namespace.
var ErrBusy = errors.New("another medium is already registered with mac80211_hwsim in this network namespace")

// SocketStats are counters of the frame socket.
type SocketStats struct {
	// Overruns counts ENOBUFS: the kernel dropped messages because the
	// receive buffer was full.
	Overruns uint64
	// Rejected counts deliveries or statuses the kernel refused (normally
	// deliveries to idle or off-channel radios).
	Rejected uint64
	// Malformed counts datagrams that did not decode and were skipped.
	Malformed uint64
	// Sends counts send system calls; Messages the messages they carried.
	Sends, Messages uint64
	// Skipped counts deliveries not sent because their receiver had just
	// rejected one on that channel (see deafness).
	Skipped uint64
	// SendErrors counts sends the kernel refused as a whole.
	SendErrors uint64
	// Unanswered counts waits for the kernel's answers that Sync gave up
	// (a receive overrun lost them); their deliveries counted as taken.
	Unanswered uint64
}
