package air

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/medium/persist"
)

// The keys of an air's bucket, one per item so that changes that members
// make at the same time to different items never overwrite each other:
//
//	deny.<dst>.<src>          a denylist rule (value: denyValue)
//	block.<tx>.<rx>           a blocked link (value: blockValue)
//	model.<op>.<radio>        move, txpower, mobility (value: persist.Edit)
//	model.<op>.<tx>.<rx>      linksnr, linkloss (value: persist.Edit)
//
// Deleting a key undoes its item (allow, unblock, link.clear). Radio names
// are encoded with base64url (no padding), as they may hold characters
// keys do not allow; the values keep them readable.
const (
	kindDeny  = "deny"
	kindBlock = "block"
	kindModel = "model"
)

// The key token of each model edit (persist's ops hold dots).
var (
	opToken = map[string]string{
		persist.OpMove:     "move",
		persist.OpTxPower:  "txpower",
		persist.OpMobility: "mobility",
		persist.OpLinkSNR:  "linksnr",
		persist.OpLinkLoss: "linkloss",
	}
	tokenOp = func() map[string]string {
		m := map[string]string{}
		for op, tok := range opToken {
			m[tok] = op
		}
		return m
	}()
)

// maxValue bounds one value of the bucket: the largest, a mobility edit
// with a waypoint, is a few hundred bytes.
const maxValue = 4096

// denyValue is the value of a deny key.
type denyValue struct {
	Dst string `json:"dst"`
	Src string `json:"src"`
}

// blockValue is the value of a block key.
type blockValue struct {
	TX string `json:"tx"`
	RX string `json:"rx"`
}

func enc(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

// makeKey makes the key of an item of kind (and op, for model edits)
// naming radios.
func makeKey(kind string, names ...string) string {
	parts := []string{kind}
	for _, n := range names {
		parts = append(parts, enc(n))
	}
	return strings.Join(parts, ".")
}

func denyKey(dst, src string) string { return makeKey(kindDeny, dst, src) }

func blockKey(tx, rx string) string { return makeKey(kindBlock, tx, rx) }

// editKey returns the key of a model edit.
func editKey(e *persist.Edit) string {
	tok := opToken[e.Op]
	if e.Radio != "" {
		return kindModel + "." + tok + "." + enc(e.Radio)
	}
	return kindModel + "." + tok + "." + enc(e.TX) + "." + enc(e.RX)
}

// item is a bucket key decoded: what it is about and which radios it
// names.
type item struct {
	kind  string
	op    string // a persist op, for kindModel
	names []string
}

// errBadEntry marks an entry that no member wrote: it is skipped and
// counted.
var errBadEntry = errors.New("not an entry of an air")

// parseKey decodes a key of the bucket.
func parseKey(key string) (item, error) {
	tok := strings.Split(key, ".")
	var it item
	var names []string
	switch {
	case len(tok) == 3 && (tok[0] == kindDeny || tok[0] == kindBlock):
		it.kind, names = tok[0], tok[1:]
	case len(tok) >= 3 && tok[0] == kindModel && tokenOp[tok[1]] != "":
		it.kind, it.op, names = kindModel, tokenOp[tok[1]], tok[2:]
		want := 2
		if it.op == persist.OpMove || it.op == persist.OpTxPower || it.op == persist.OpMobility {
			want = 1
		}
		if len(names) != want {
			return it, fmt.Errorf("key %q: %w", key, errBadEntry)
		}
	default:
		return it, fmt.Errorf("key %q: %w", key, errBadEntry)
	}
	for _, n := range names {
		b, err := base64.RawURLEncoding.DecodeString(n)
		if err != nil || len(b) == 0 {
			return it, fmt.Errorf("key %q: %w", key, errBadEntry)
		}
		it.names = append(it.names, string(b))
	}
	return it, nil
}

// decodeValue decodes the JSON value of a key into v, refusing
// values too large for one.
func decodeValue(key string, value []byte, v any) error {
	if len(value) > maxValue {
		return fmt.Errorf("key %q: value of %d bytes: %w", key, len(value), errBadEntry)
	}
	if err := json.Unmarshal(value, v); err != nil {
		return fmt.Errorf("key %q: %v: %w", key, err, errBadEntry)
	}
	return nil
}

// sameNames checks that the names of a value are those of its key.
func sameNames(key string, it *item, names ...string) error {
	if len(names) != len(it.names) {
		return fmt.Errorf("key %q: %w", key, errBadEntry)
	}
	for i := range names {
		if names[i] != it.names[i] {
			return fmt.Errorf("key %q names %q, its value %q: %w", key, it.names[i], names[i], errBadEntry)
		}
	}
	return nil
}
