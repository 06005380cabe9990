package medium

import (
	"fmt"
	"sort"
)

// DenyRule says that Dst does not receive frames whose original source
// (the SA of the 802.11 header, so also when an AP relays them) is Src.
// Both are radio names as users give them: interface (vw2) or wiphy
// (vw_phy2) names.
type DenyRule struct {
	Dst string
	Src string
}

// denylist keeps rules by name so they survive radios coming and going,
// and resolves them into per-radio flags for the per-frame path.
type denylist struct {
	rules map[DenyRule]bool
	// flagged: some radio's denies has a flag set.
	flagged bool
}

// Deny adds rules. Every name must belong to a known radio; on error no
// rule is added.
func (m *Medium) Deny(rules ...DenyRule) error {
	return m.updateDeny(false, rules)
}

// SetDenylist replaces the whole denylist with rules in one step, as the
// seed's tool does when it loads a denylist. On error nothing changes.
func (m *Medium) SetDenylist(rules ...DenyRule) error {
	return m.updateDeny(true, rules)
}

func (m *Medium) updateDeny(replace bool, rules []DenyRule) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	canon := make([]DenyRule, 0, len(rules))
	for _, r := range rules {
		dst, err := m.findLocked(r.Dst)
		if err != nil {
			return fmt.Errorf("deny: destination %w", err)
		}
		src, err := m.findLocked(r.Src)
		if err != nil {
			return fmt.Errorf("deny: source %w", err)
		}
		canon = append(canon, DenyRule{Dst: dst.displayName(), Src: src.displayName()})
	}
	if replace || m.deny.rules == nil {
		m.deny.rules = map[DenyRule]bool{}
	}
	for _, r := range canon {
		m.deny.rules[r] = true
	}
	m.resolveDenyLocked()
	return nil
}

// Allow removes rules; removing a rule that is not there is not an error.
func (m *Medium) Allow(rules ...DenyRule) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rules {
		delete(m.deny.rules, r)
		if dst, err := m.findLocked(r.Dst); err == nil {
			if src, err := m.findLocked(r.Src); err == nil {
				delete(m.deny.rules, DenyRule{Dst: dst.displayName(), Src: src.displayName()})
			}
		}
	}
	m.resolveDenyLocked()
}

// ClearDenylist removes every rule.
func (m *Medium) ClearDenylist() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deny.rules = nil
	m.resolveDenyLocked()
}

// Denylist returns the rules, sorted.
func (m *Medium) Denylist() []DenyRule {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]DenyRule, 0, len(m.deny.rules))
	for r := range m.deny.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dst != out[j].Dst {
			return out[i].Dst < out[j].Dst
		}
		return out[i].Src < out[j].Src
	})
	return out
}

func (m *Medium) resolveDenyLocked() {
	if len(m.deny.rules) == 0 && !m.deny.flagged {
		return // nothing set, nothing to clear: radios come and go cheaply
	}
	m.deny.flagged = false
	for _, r := range m.radios {
		if r != nil {
			clear(r.denies)
		}
	}
	for rule := range m.deny.rules {
		dst, err1 := m.findLocked(rule.Dst)
		src, err2 := m.findLocked(rule.Src)
		if err1 == nil && err2 == nil {
			dst.denies[src.ID] = true
			m.deny.flagged = true
		}
	}
}

// Block stops frames that radio tx sends from reaching radio rx (one way;
// call twice for both). Unlike the denylist it acts on the transmitter,
// so it also cuts relayed traffic and acknowledgements.
func (m *Medium) Block(tx, rx string, blocked bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.findLocked(tx)
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	r, err := m.findLocked(rx)
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	if blocked {
		m.blocks[[2]RadioID{t.ID, r.ID}] = true
	} else {
		delete(m.blocks, [2]RadioID{t.ID, r.ID})
	}
	return nil
}

// LinkBlock is one direction of a blocked link: RX does not hear TX.
type LinkBlock struct {
	TX string
	RX string
}

// Blocks returns the blocked links, by the radios' names (interface, else
// wiphy), sorted.
func (m *Medium) Blocks() []LinkBlock {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]LinkBlock, 0, len(m.blocks))
	for k := range m.blocks {
		tx, rx := m.radioByIDLocked(k[0]), m.radioByIDLocked(k[1])
		if tx != nil && rx != nil {
			out = append(out, LinkBlock{TX: tx.displayName(), RX: rx.displayName()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TX != out[j].TX {
			return out[i].TX < out[j].TX
		}
		return out[i].RX < out[j].RX
	})
	return out
}
