package capture

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

func TestWriterWritesEveryRecord(t *testing.T) {
	_, frames := scenario(t, "handshake_psk.txt")
	var b bytes.Buffer
	w, err := NewWriter(&b, Options{Application: "test", Comment: "a test capture"})
	require.NoError(t, err)
	for i, f := range frames {
		require.NoError(t, w.Write(recordOf(i, f.in)))
	}
	require.NoError(t, w.Flush())
	assert.Equal(t, Stats{Written: uint64(len(frames))}, w.Stats())

	r, err := pcapgo.NewNgReader(bytes.NewReader(b.Bytes()), pcapgo.NgReaderOptions{})
	require.NoError(t, err)
	assert.Equal(t, LinkType, r.LinkType())
	assert.Equal(t, "a test capture", r.SectionInfo().Comment)
	pkts := readCapture(t, b.Bytes())
	require.Len(t, pkts, len(frames))
	for i, p := range pkts {
		assert.Equal(t, frames[i].in, frameOf(t, p.data), "record %d: the frame as it was on the air", i)
		assert.True(t, p.ci.Timestamp.Equal(epoch.Add(time.Duration(i)*time.Millisecond)))
		assert.Equal(t, appendComments(nil, recordOf(i, frames[i].in)), p.comments)
	}
}

func TestWriterDecrypts(t *testing.T) {
	keys, frames := scenario(t, "handshake_psk.txt")
	var b bytes.Buffer
	w, err := NewWriter(&b, Options{Keys: keys})
	require.NoError(t, err)
	for i, f := range frames {
		require.NoError(t, w.Write(recordOf(i, f.in)))
	}
	require.NoError(t, w.Flush())
	pkts := readCapture(t, b.Bytes())
	require.Len(t, pkts, len(frames))
	var decrypted, failed, eapol int
	for i, p := range pkts {
		f := frames[i]
		assert.Equal(t, f.out, frameOf(t, p.data), "record %d (%s)", i, f.status)
		notes := strings.Join(p.comments, "\n")
		switch f.status {
		case "decrypted":
			decrypted++
			assert.Contains(t, notes, "crypto: decrypted", "record %d", i)
		case "not-protected":
			assert.NotContains(t, notes, "crypto: decrypted")
		default:
			failed++
			assert.Contains(t, notes, "crypto: not decrypted: "+f.status, "record %d", i)
		}
		if strings.Contains(notes, "crypto: EAPOL 4-way") {
			eapol++
		}
	}
	st := w.Stats()
	assert.Equal(t, uint64(decrypted), st.Decrypted)
	assert.Equal(t, uint64(failed), st.Undecrypted)
	assert.Positive(t, decrypted)
	assert.Positive(t, failed)
	assert.Positive(t, eapol)
	assert.Contains(t, strings.Join(pkts[1].comments, "\n"), `pairwise key derived with the passphrase for SSID "hwsim-net"`)
}

func TestWriterFilter(t *testing.T) {
	beacon := &Record{Transmitter: "vw0", Frame: []byte{0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0},
		NoAck: true, Receptions: []Reception{{Radio: "vw1", Outcome: Delivered}, {Radio: "vw2", Outcome: NotHeard}}}
	data := recordOf(0, frameAt(mac.Addr{2, 0, 0, 0, 1, 0})) // ap -> sta, overheard by vw9
	data.Receptions = append(data.Receptions, Reception{Radio: "vw9", Outcome: Delivered, Signal: -50, Tries: 1})
	tests := []struct {
		name   string
		filter Filter
		want   []bool // beacon, data
	}{
		{"everything", Filter{}, []bool{true, true}},
		{"mgmt", Filter{Types: TypeMgmt}, []bool{true, false}},
		{"data or ctrl", Filter{Types: TypeData | TypeCtrl}, []bool{false, true}},
		{"group frames vw1 got", Filter{Radio: "vw1"}, []bool{true, false}},
		{"group frames vw2 did not hear", Filter{Radio: "vw2"}, []bool{false, false}},
		{"what the AP sent", Filter{Radio: "ap"}, []bool{false, true}},
		{"what was addressed to the station, data", Filter{Radio: "sta", Types: TypeData}, []bool{false, true}},
		{"what an overhearer got is not its own", Filter{Radio: "vw9"}, []bool{false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, []bool{tc.filter.Match(beacon), tc.filter.Match(data)})
			var b bytes.Buffer
			w, err := NewWriter(&b, Options{Filter: tc.filter})
			require.NoError(t, err)
			require.NoError(t, w.Write(beacon))
			require.NoError(t, w.Write(data))
			require.NoError(t, w.Flush())
			n := 0
			for _, k := range tc.want {
				if k {
					n++
				}
			}
			assert.Len(t, readCapture(t, b.Bytes()), n)
			assert.Equal(t, uint64(2-n), w.Stats().Filtered)
		})
	}
}

func TestWriterReportsDrops(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, Options{})
	require.NoError(t, err)
	f := frameAt(mac.Broadcast)
	require.NoError(t, w.Write(recordOf(0, f)))
	w.Dropped(3)
	w.Dropped(2)
	require.NoError(t, w.Write(recordOf(1, f)))
	require.NoError(t, w.Write(recordOf(2, f)))
	require.NoError(t, w.Close(epoch, epoch.Add(time.Second)))
	pkts := readCapture(t, b.Bytes())
	require.Len(t, pkts, 3)
	assert.Equal(t, []uint64{0, 5, 0}, []uint64{pkts[0].drops, pkts[1].drops, pkts[2].drops})
	assert.Contains(t, pkts[1].comments, "capture: 5 records dropped before this one: the capture was read too slowly")
	assert.Equal(t, Stats{Written: 3, Dropped: 5}, w.Stats())

	var isb pcapgo.NgInterfaceStatistics
	r, err := pcapgo.NewNgReader(bytes.NewReader(b.Bytes()), pcapgo.NgReaderOptions{
		StatisticsCallback: func(_ int, s pcapgo.NgInterfaceStatistics) { isb = s },
	})
	require.NoError(t, err)
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
	}
	assert.Equal(t, uint64(3), isb.PacketsReceived)
	assert.Equal(t, uint64(5), isb.PacketsDropped)
}

func TestComments(t *testing.T) {
	rate54 := mac.TxRate{Idx: 11, Count: 1}
	tests := []struct {
		name string
		rec  Record
		want []string
	}{
		{"unicast, retried, grouped overhearers", Record{Transmitter: "vw0", Freq: 2437, Acked: true, Tries: 3, Receptions: []Reception{
			{Radio: "vw2", Outcome: Delivered, Signal: -50, Rate: rate54, Tries: 1},
			{Radio: "vw1", Outcome: Delivered, Signal: -48, Rate: rate54, Tries: 3, Addressee: true},
			{Radio: "vw3", Outcome: Delivered, Signal: -50, Rate: rate54, Tries: 1},
			{Radio: "vw4", Outcome: NotHeard, Signal: -99},
			{Radio: "vw5", Outcome: Blocked},
			{Radio: "vw6", Outcome: Denied},
			{Radio: "vw7", Outcome: Lost, Signal: -88, Tries: 1},
		}}, []string{
			"tx vw0: acked (try 3)",
			"rx vw1: delivered, -48 dBm, 54 Mb/s, try 3, addressee",
			"rx vw2, vw3: delivered, -50 dBm, 54 Mb/s",
			"rx vw7: lost, -88 dBm",
			"rx vw4: not-heard (out of range)",
			"rx vw5: blocked (link block)",
			"rx vw6: denied (denylist)",
		}},
		{"refused by the addressee's kernel", Record{Transmitter: "vw0", Freq: 5180, Tries: 1, Receptions: []Reception{
			{Radio: "vw1", Outcome: Refused, Signal: -60, Rate: mac.TxRate{Idx: 7, Flags: mac.TxRcMCS}, Tries: 1, Addressee: true},
		}}, []string{
			"tx vw0: not acked (1 try)",
			"rx vw1: refused by its kernel (idle, stopped or on another channel), -60 dBm, HT MCS 7, 65 Mb/s, try 1, addressee",
		}},
		{"lost at the addressee after every try", Record{Transmitter: "vw0", Tries: 7, Receptions: []Reception{
			{Radio: "vw1", Outcome: Lost, Signal: -91, Tries: 7, Addressee: true},
			{Radio: "vw2", Outcome: Collided, Signal: -50, Tries: 1},
			{Radio: "vw3", Outcome: Deaf, Signal: -50, Tries: 1},
		}}, []string{
			"tx vw0: not acked (7 tries)",
			"rx vw1: lost, -91 dBm, 7 tries, addressee",
			"rx vw2: collided, -50 dBm",
			"rx vw3: deaf (it was transmitting), -50 dBm",
		}},
		{"broadcast", Record{Transmitter: "vw0", NoAck: true, Freq: 5180, Receptions: []Reception{
			{Radio: "vw1", Outcome: Delivered, Signal: -50, Rate: mac.TxRate{Idx: 0x19, Flags: mac.TxRcVHTMCS | mac.TxRc80MHz | mac.TxRcShortGI}, Tries: 1},
		}}, []string{
			"tx vw0: no ack expected",
			"rx vw1: delivered, -50 dBm, VHT MCS 9 NSS 2, 80 MHz, short GI, 866.7 Mb/s",
		}},
		{"malformed", Record{Transmitter: "vw9", Malformed: true}, []string{"tx vw9: malformed, not routed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, appendComments(nil, &tc.rec))
		})
	}
}

func TestCommentsNameAtMostMaxNames(t *testing.T) {
	r := Record{Transmitter: "vw0", NoAck: true}
	for i := range 40 {
		r.Receptions = append(r.Receptions, Reception{Radio: "r" + string(rune('A'+i)), Outcome: NotHeard})
	}
	c := appendComments(nil, &r)
	require.Len(t, c, 2)
	assert.True(t, strings.HasSuffix(c[1], " and 8 more: not-heard (out of range)"), c[1])
}

func TestEventComment(t *testing.T) {
	k, err := crypto.ParseKey("test:12345678")
	require.NoError(t, err)
	ev := &crypto.Event{Message: crypto.Message2, PTK: true, KeyIndex: 0, GTK: false}
	assert.Equal(t, `crypto: EAPOL 4-way 2/4, AP 00:00:00:00:00:00, station 00:00:00:00:00:00, pairwise key derived with the passphrase for SSID "test"`,
		eventComment(ev, []crypto.Key{k}))
	ev = &crypto.Event{Message: crypto.Message3, GTK: true, GTKKeyID: 1, Err: crypto.ErrReplay}
	assert.Contains(t, eventComment(ev, nil), "group key 1 installed: crypto: replayed frame")
}

// BenchmarkWriter writes a data frame delivered to its addressee and
// overheard by two radios: the capture goroutine's cost per record.
func BenchmarkWriter(b *testing.B) {
	for _, keys := range []bool{false, true} {
		name := "raw"
		if keys {
			name = "decrypting"
		}
		b.Run(name, func(b *testing.B) {
			var o Options
			if keys {
				k, err := crypto.ParseKey("test:12345678")
				require.NoError(b, err)
				o.Keys = []crypto.Key{k}
			}
			w, err := NewWriter(io.Discard, o)
			require.NoError(b, err)
			r := recordOf(1, append(frameAt(mac.Addr{2, 0, 0, 0, 1, 0}), make([]byte, 1400)...))
			r.Receptions = append(r.Receptions,
				Reception{Radio: "vw2", Outcome: Delivered, Signal: -50, Rate: r.Rate, Tries: 1},
				Reception{Radio: "vw3", Outcome: Delivered, Signal: -50, Rate: r.Rate, Tries: 1})
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Write(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCommentCache: the cache gives every record the comments it would be
// given fresh, whatever changed from the records before it.
func TestCommentCache(t *testing.T) {
	base := Record{Transmitter: "vw0", Freq: 2437, Acked: true, Tries: 2, Receptions: []Reception{
		{Radio: "vw1", Outcome: Delivered, Signal: -50, Rate: mac.TxRate{Idx: 11}, Tries: 2, Addressee: true},
		{Radio: "vw2", Outcome: Delivered, Signal: -50, Rate: mac.TxRate{Idx: 11}, Tries: 1},
	}}
	variants := []func(r *Record){
		func(r *Record) {},
		func(r *Record) { r.Transmitter = "vw9" },
		func(r *Record) { r.Acked = false },
		func(r *Record) { r.NoAck = true },
		func(r *Record) { r.Malformed = true },
		func(r *Record) { r.Tries = 3 },
		func(r *Record) { r.Freq = 5180 },
		func(r *Record) { r.Receptions[1].Radio = "vw3" },
		func(r *Record) { r.Receptions[1].Outcome = Lost },
		func(r *Record) { r.Receptions[1].Signal = -51 },
		func(r *Record) { r.Receptions[1].Rate.Idx = 3 },
		func(r *Record) { r.Receptions[1].Rate.Flags = mac.TxRcMCS },
		func(r *Record) { r.Receptions[0].Tries = 1 },
		func(r *Record) { r.Receptions[1].Addressee = true },
		func(r *Record) { r.Receptions = r.Receptions[:1] },
	}
	var c commentCache
	for round := range 2 {
		for i, v := range variants {
			r := base
			r.Receptions = append([]Reception(nil), base.Receptions...)
			v(&r)
			want := appendComments(nil, &r)
			assert.Equal(t, want, c.comments(&r), "round %d, variant %d", round, i)
			if i > 0 {
				assert.NotEqual(t, appendComments(nil, &base), want, "variant %d changes the comments", i)
			}
		}
	}
}
