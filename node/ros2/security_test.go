package ros2

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeEnclave writes an enclave folder with the six files rmw_dds_common looks for (contents do
// not matter to Resolve; the DDS tests use real keys from sros2test).
func fakeEnclave(t *testing.T, keystore, enclave string, skip string) string {
	t.Helper()
	dir := filepath.Join(keystore, "enclaves", strings.TrimPrefix(enclave, "/"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range securityFiles {
		if f.file == skip {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.file), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSecurityRequestFromEnv(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if r := SecurityRequestFromEnv(get, ""); r.Enable || r.Strategy != SecurityPermissive {
		t.Errorf("empty environment: %+v, want disabled and Permissive", r)
	}
	// rcl compares exactly: "True", "1" or "enforce" do not count.
	env = map[string]string{EnvSecurityEnable: "True", EnvSecurityStrategy: "enforce"}
	if r := SecurityRequestFromEnv(get, ""); r.Enable || r.Strategy != SecurityPermissive {
		t.Errorf("True/enforce: %+v, want disabled and Permissive as in rcl", r)
	}
	env = map[string]string{EnvSecurityEnable: "true", EnvSecurityStrategy: "Enforce", EnvSecurityKeystore: "/ks", EnvEnclaveOverride: "/o"}
	r := SecurityRequestFromEnv(get, "/cam")
	if want := (SecurityRequest{Enable: true, Strategy: SecurityEnforce, Keystore: "/ks", Enclave: "/cam", Override: "/o"}); r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
}

func TestSecurityResolve(t *testing.T) {
	ks := t.TempDir()
	camDir := fakeEnclave(t, ks, "/robot/cam", "")
	rootDir := fakeEnclave(t, ks, "/", "")
	fakeEnclave(t, ks, "/nokey", "key.pem")

	t.Run("off", func(t *testing.T) {
		s, w, err := SecurityRequest{Enclave: "/robot/cam"}.Resolve()
		if err != nil || len(w) != 0 || s.Enabled || s.Properties() != nil {
			t.Fatalf("%+v %v %v: want disabled, no properties", s, w, err)
		}
		if got := s.UserData(); got != "enclave=/robot/cam;" {
			t.Errorf("USER_DATA %q: the enclave is announced even without security, as rmw does", got)
		}
	})
	t.Run("enclave folder", func(t *testing.T) {
		s, w, err := SecurityRequest{Enable: true, Strategy: SecurityEnforce, Keystore: ks, Enclave: "/robot/cam"}.Resolve()
		if err != nil || len(w) != 0 || !s.Enabled || s.Dir != camDir {
			t.Fatalf("%+v %v %v: want enabled with %s", s, w, err, camDir)
		}
		props := map[string]string{}
		for _, kv := range s.Properties() {
			props[kv[0]] = kv[1]
		}
		if got, want := props["dds.sec.auth.private_key"], "file:"+filepath.Join(camDir, "key.pem"); got != want {
			t.Errorf("private_key %q, want %q", got, want)
		}
		if props["dds.sec.crypto.library.path"] != "dds_security_crypto" || len(props) != 15 {
			t.Errorf("properties %v: want the 6 files and 9 plugin entries of rmw_cyclonedds", props)
		}
		if _, ok := props["org.eclipse.cyclonedds.sec.auth.crl"]; ok {
			t.Error("a CRL property without crl.pem")
		}
	})
	t.Run("root enclave is the enclaves folder", func(t *testing.T) {
		s, _, err := SecurityRequest{Enable: true, Strategy: SecurityEnforce, Keystore: ks}.Resolve()
		if err != nil || s.Dir != rootDir || s.UserData() != "enclave=/;" {
			t.Fatalf("%+v %v: want %s and enclave=/;", s, err, rootDir)
		}
	})
	t.Run("override picks the folder, not the announced name", func(t *testing.T) {
		s, _, err := SecurityRequest{Enable: true, Strategy: SecurityEnforce, Keystore: ks, Enclave: "/other", Override: "/robot/cam"}.Resolve()
		if err != nil || s.Dir != camDir || s.UserData() != "enclave=/other;" {
			t.Fatalf("%+v %v: want the keys of %s announced as /other", s, err, camDir)
		}
	})
	t.Run("crl", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(camDir, "crl.pem"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(camDir, "crl.pem"))
		s, _, err := SecurityRequest{Enable: true, Keystore: ks, Enclave: "/robot/cam"}.Resolve()
		if err != nil || len(s.Properties()) != 16 {
			t.Fatalf("%v %v: want the CRL property too", s.Properties(), err)
		}
	})
	for _, tc := range []struct {
		desc string
		req  SecurityRequest
		want string // in the Enforce error and the Permissive warning
	}{
		{"no keystore", SecurityRequest{Enable: true, Enclave: "/robot/cam"}, "ROS_SECURITY_KEYSTORE is not set"},
		{"no enclave folder", SecurityRequest{Enable: true, Keystore: ks, Enclave: "/robot/lidar"}, filepath.Join(ks, "enclaves", "robot", "lidar") + " (keystore"},
		{"missing key", SecurityRequest{Enable: true, Keystore: ks, Enclave: "/nokey"}, "key.pem is missing from the enclave folder " + filepath.Join(ks, "enclaves", "nokey")},
	} {
		t.Run(tc.desc+" enforce", func(t *testing.T) {
			r := tc.req
			r.Strategy = SecurityEnforce
			_, _, err := r.Resolve()
			if !errors.Is(err, ErrSecurity) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "create_enclave") {
				t.Fatalf("error %v: want ErrSecurity naming %q and how to make keys", err, tc.want)
			}
		})
		t.Run(tc.desc+" permissive", func(t *testing.T) {
			s, w, err := tc.req.Resolve()
			if err != nil || s.Enabled || len(w) != 1 || !strings.Contains(w[0], tc.want) || !strings.Contains(w[0], "WITHOUT security") {
				t.Fatalf("%+v %q %v: want unsecured with one warning naming %q", s, w, err, tc.want)
			}
		})
	}
	t.Run("bad names", func(t *testing.T) {
		if _, _, err := (SecurityRequest{Enclave: "cam"}).Resolve(); err == nil || !strings.Contains(err.Error(), `enclave "cam"`) {
			t.Errorf("relative enclave: %v", err)
		}
		if _, _, err := (SecurityRequest{Enable: true, Keystore: ks, Override: "/a//b"}).Resolve(); err == nil || !strings.Contains(err.Error(), EnvEnclaveOverride) {
			t.Errorf("bad override: %v", err)
		}
	})
}
