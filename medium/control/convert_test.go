package control

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// fill sets every exported field reachable from v (a pointer) to a value
// that is not zero, so that no omitempty field hides a field the wire
// type lacks. Funcs are left alone.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), n)
		fill(v.Index(1), n)
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint8:
		v.SetUint(uint64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	}
}

// TestWireModelIsTheConfigFormat: model.get answers in the configuration
// format, byte for byte, as it did when it sent model.Config itself.
func TestWireModelIsTheConfigFormat(t *testing.T) {
	var cfg model.Config
	n := 0
	fill(reflect.ValueOf(&cfg).Elem(), &n)
	cfg.Warnings = nil // the loader's, never in a snapshot
	want, err := json.Marshal(cfg)
	require.NoError(t, err)
	got, err := json.Marshal(wireModel(cfg))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	assert.Equal(t, model.PropNone, api.PropNone)

	// An empty model omits what it omitted before.
	want, err = json.Marshal(model.Config{})
	require.NoError(t, err)
	got, err = json.Marshal(wireModel(model.Config{}))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

// TestWireMediumTypes pins the JSON of the status and radios results, the
// denylist rules, and that conversion copies every field.
func TestWireMediumTypes(t *testing.T) {
	st := medium.Status{
		Uptime: 1500 * time.Millisecond,
		Radios: 2,
		Stats: medium.Stats{Frames: 1, Malformed: 2, SendErrors: 3, Collisions: 4,
			AirBusy: []medium.ChannelBusy{{Freq: 2412, Busy: 5}}, AddrsEvicted: 6, RadiosEvicted: 7},
		Socket: &hwsim.SocketStats{Overruns: 8, Rejected: 9, Malformed: 10, Sends: 11, Messages: 12, Skipped: 13, SendErrors: 14, Unanswered: 15},
	}
	b, err := json.Marshal(wireStatus(st))
	require.NoError(t, err)
	assert.Equal(t, `{"version":"`+api.Version+`","protocol":1,"uptime":1.5,"radios":2,"stats":{"frames":1,"malformed":2,"send_errors":3,"collisions":4,"air_busy":[{"freq":2412,"busy_ns":5}],`+
		`"addrs_evicted":6,"radios_evicted":7,"socket":{"overruns":8,"malformed":10,"send_errors":14,"rejected":9,"skipped":13,"unanswered":15,"sends":11,"messages":12}}}`, string(b))
	b, err = json.Marshal(wireStatus(medium.Status{}))
	require.NoError(t, err)
	assert.Equal(t, `{"version":"`+api.Version+`","protocol":1,"uptime":0,"radios":0,"stats":{"frames":0,"malformed":0,"send_errors":0}}`, string(b))

	hw := mac.Addr{0x00, 0x76, 0x77, 0x30, 0, 0}
	ri := medium.RadioInfo{
		ID: 7, Name: "vw_phy0", Iface: "vw0", HWAddr: hw, Addrs: []mac.Addr{hw}, Freq: 2412,
		Stats: medium.RadioStats{TxFrames: 1, TxBytes: 2, RxFrames: 3, RxBytes: 4, Acked: 5, NotAcked: 6},
		Links: []medium.Link{{To: "vw1", LinkStats: medium.LinkStats{Frames: 7, Bytes: 8, Blocked: 9, Lost: 10}}},
	}
	b, err = json.Marshal(api.RadiosResult{Radios: wireRadios([]medium.RadioInfo{ri, {Name: "vw_phy1", HWAddr: hw}})})
	require.NoError(t, err)
	assert.Equal(t, `{"radios":[`+
		`{"id":7,"name":"vw_phy0","iface":"vw0","hwaddr":"00:76:77:30:00:00","addrs":["00:76:77:30:00:00"],"freq":2412,`+
		`"stats":{"tx_frames":1,"tx_bytes":2,"rx_frames":3,"rx_bytes":4,"acked":5,"not_acked":6},`+
		`"links":[{"to":"vw1","frames":7,"bytes":8,"blocked":9,"lost":10}]},`+
		`{"id":0,"name":"vw_phy1","hwaddr":"00:76:77:30:00:00","addrs":null,"freq":0,`+
		`"stats":{"tx_frames":0,"tx_bytes":0,"rx_frames":0,"rx_bytes":0,"acked":0,"not_acked":0}}]}`, string(b))
	b, err = json.Marshal(api.RadiosResult{Radios: wireRadios(nil)})
	require.NoError(t, err)
	assert.Equal(t, `{"radios":[]}`, string(b))

	rules := []medium.DenyRule{{Dst: "vw2", Src: "vw1"}}
	b, err = json.Marshal(api.DenylistResult{Rules: wireRules(rules)})
	require.NoError(t, err)
	assert.Equal(t, `{"rules":[{"dst":"vw2","src":"vw1"}]}`, string(b))
	assert.Equal(t, rules, mediumRules(wireRules(rules)))
	b, err = json.Marshal(api.DenylistResult{Rules: wireRules(nil)})
	require.NoError(t, err)
	assert.Equal(t, `{"rules":[]}`, string(b))
}
