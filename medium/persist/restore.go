package persist

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
)

// Report says what Restore did.
type Report struct {
	// Applied counts the rules, blocks and model edits restored.
	Applied int
	// Skipped says, one line each, what was not restored and why.
	Skipped []string
	// Created are the radios of st.Created that are here, the same: the
	// medium created them before and removes them when it stops cleanly.
	Created []string
}

// Restore applies st, a state file's content, to the medium m and the
// link model mdl (nil without one), and makes it this store's state, so
// the next save keeps it. Only what names radios st describes, and that
// are the same radios now (same wiphy name, hwsim address and wiphy
// index), is applied; model edits only if the model comes from the same
// configuration (SetModel first). Restore never fails: what it cannot
// apply is reported in Report.Skipped.
func (s *Store) Restore(st *State, m control.Medium, mdl control.Model) Report {
	var rep Report
	known := sameRadios(st.Radios, radiosOf(m), s.wiphyOf)
	applies := func(what string, names ...string) bool {
		var missing []string
		for _, n := range names {
			if !known[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %s not the radio the state file describes", what, strings.Join(missing, ", ")))
		}
		return len(missing) == 0
	}
	for _, n := range st.Created {
		if known[n] {
			rep.Created = append(rep.Created, n)
		}
	}
	for _, r := range st.Deny {
		what := fmt.Sprintf("deny %s -/- %s", r.Dst, r.Src)
		if !applies(what, r.Dst, r.Src) {
			continue
		}
		if err := m.Deny(medium.DenyRule{Dst: r.Dst, Src: r.Src}); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", what, err))
			continue
		}
		rep.Applied++
	}
	for _, b := range st.Blocks {
		what := fmt.Sprintf("block %s -> %s", b.TX, b.RX)
		if !applies(what, b.TX, b.RX) {
			continue
		}
		if err := m.Block(b.TX, b.RX, true); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", what, err))
			continue
		}
		rep.Applied++
	}
	var edits []Edit
	s.mu.Lock()
	sameModel := mdl != nil && st.ModelSHA256 != "" && st.ModelSHA256 == s.modelSum
	s.mu.Unlock()
	switch {
	case len(st.Model) == 0:
	case mdl == nil:
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%d link-model change(s): no link model is loaded (start with -c %s)", len(st.Model), st.ModelFile))
	case !sameModel:
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%d link-model change(s): they were made on another configuration than this one (%s, changed since?)", len(st.Model), st.ModelFile))
	default:
		for _, e := range st.Model {
			what := fmt.Sprintf("model %s %s", e.Op, strings.Join(e.names(), " "))
			if !applies(what, e.names()...) {
				continue
			}
			if err := ApplyEdit(mdl, &e); err != nil {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", what, err))
				continue
			}
			edits = appendEdit(edits, e)
			rep.Applied++
		}
	}
	s.mu.Lock()
	s.edits = edits
	s.created = slices.Clone(rep.Created)
	s.mu.Unlock()
	return rep
}

// sameRadios returns the names (wiphy, interface, hwsim address) of the
// radios that described lists and that are the same radios in now (same
// name, hwsim address and, if described, wiphy index).
func sameRadios(described []Radio, now []medium.RadioInfo, wiphyOf func(string) *uint32) map[string]bool {
	byName := map[string]medium.RadioInfo{}
	for _, r := range now {
		byName[r.Name] = r
	}
	names := map[string]bool{}
	for _, d := range described {
		r, ok := byName[d.Name]
		if !ok || r.HWAddr != d.HWAddr {
			continue
		}
		if d.Wiphy != nil {
			if w := wiphyOf(d.Name); w == nil || *w != *d.Wiphy {
				continue
			}
		}
		names[d.Name] = true
		names[d.HWAddr.String()] = true
		if d.Iface != "" && r.Iface == d.Iface {
			names[d.Iface] = true
		}
	}
	return names
}

// ApplyEdit makes one recorded edit again on mdl (a restored state file,
// or an edit another member of a federated air made).
func ApplyEdit(mdl control.Model, e *Edit) error {
	switch {
	case e.Op == OpMove && e.Pos != nil:
		return mdl.Move(e.Radio, e.Pos[0], e.Pos[1], e.Pos[2])
	case e.Op == OpTxPower && e.DBm != nil:
		return mdl.SetTxPower(e.Radio, *e.DBm)
	case e.Op == OpMobility && e.Mobility != nil:
		return mdl.SetMobility(e.Radio, *e.Mobility)
	case e.Op == OpLinkSNR && e.Value != nil:
		return mdl.SetLinkSNR(e.TX, e.RX, *e.Value)
	case e.Op == OpLinkLoss && e.Value != nil:
		return mdl.SetLinkLoss(e.TX, e.RX, *e.Value)
	case e.Op == OpLinkClr:
		return mdl.ClearLink(e.TX, e.RX)
	}
	return fmt.Errorf("not an edit this hwsim-medium knows")
}
