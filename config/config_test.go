package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, file string, args ...string) (*Server, error) {
	t.Helper()
	s := NewServer()
	fs := pflag.NewFlagSet("server", pflag.ContinueOnError)
	s.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if file != "" {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		return s, LoadFile(fs, p)
	}
	return s, nil
}

func TestFileSetsFlagsAndFlagsWin(t *testing.T) {
	s, err := parse(t, "secure-port: 7443\ndata-dir: /srv/skiff\ntls-san:\n- skiff.example.com\n- 10.0.0.1\n", "--data-dir=/cli")
	if err != nil {
		t.Fatal(err)
	}
	if s.SecurePort != 7443 {
		t.Errorf("secure-port = %d, want 7443 from the file", s.SecurePort)
	}
	if s.DataDir != "/cli" {
		t.Errorf("data-dir = %q, want the command line's /cli", s.DataDir)
	}
	if !reflect.DeepEqual(s.TLSSANs, []string{"skiff.example.com", "10.0.0.1"}) {
		t.Errorf("tls-san = %v", s.TLSSANs)
	}
}

func TestFileRejectsUnknownKeysAndBadValues(t *testing.T) {
	if _, err := parse(t, "secure-prot: 1\n"); err == nil || !strings.Contains(err.Error(), `unknown key "secure-prot"`) {
		t.Errorf("typo: %v", err)
	}
	if _, err := parse(t, "secure-port: many\n"); err == nil || !strings.Contains(err.Error(), "secure-port") {
		t.Errorf("bad value: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	s, _ := parse(t, "")
	if s.SecurePort != 6443 || s.BindAddress != "0.0.0.0" || s.EtcdPrefix != "/registry" {
		t.Errorf("defaults: %+v", s)
	}
	if want := map[bool]string{true: "/var/lib/skiff", false: ".skiff"}[os.Geteuid() == 0]; s.DataDir != want {
		t.Errorf("data-dir default %q, want %q", s.DataDir, want)
	}
}
