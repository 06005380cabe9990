package model

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Load reads a configuration file and returns its Model: a .cfg file is
// read as a wmediumd configuration, .yaml or .yml as hwsim-medium's own
// format. Errors name the file, the line and the key.
func Load(path string) (*Model, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// MaxConfigSize bounds a configuration file. A lab of 500 radios with
// positions and a few hundred link overrides is under 100 KiB; parsing
// costs about 150 bytes of memory per value.
const MaxConfigSize = 4 << 20

// LoadConfig reads a configuration file (see Load) into a Config.
func LoadConfig(path string) (Config, error) {
	parse := ParseYAML
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".cfg":
		parse = ParseWmediumd
	case ".yaml", ".yml":
	default:
		return Config{}, fmt.Errorf("%s: unknown configuration format %q: want .yaml/.yml (hwsim-medium) or .cfg (wmediumd)", path, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxConfigSize {
		return Config{}, fmt.Errorf("%s: larger than %d MiB: not a link-model configuration (a lab of 500 radios is under 100 KiB)", path, MaxConfigSize>>20)
	}
	return parse(path, data)
}
