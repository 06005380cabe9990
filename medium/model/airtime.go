package model

// CCAThreshold implements medium.RadioLevels: the signal, in dBm, at or
// above which a radio senses the channel busy; the medium's airtime mode
// defers to it.
func (m *Model) CCAThreshold() float64 { return m.state.Load().p.cca }

// NoiseFloor implements medium.RadioLevels: the noise floor in dBm, which
// the medium's airtime mode adds interference to.
func (m *Model) NoiseFloor() float64 { return m.state.Load().p.noise }
