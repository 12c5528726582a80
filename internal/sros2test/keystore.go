// Package sros2test makes SROS2 keystores for tests, with openssl, in the layout
// `ros2 security create_keystore` and `create_enclave` write (sros2/sros2/keystore/_keystore.py
// and _enclave.py): public/ca.cert.pem with identity_ca.cert.pem and permissions_ca.cert.pem
// linked to it, private/ca.key.pem likewise, enclaves/governance.{xml,p7s}, and per enclave
// enclaves/<path>/ holding cert.pem and key.pem (an EC prime256v1 key, CN=<enclave>, signed by the
// CA), permissions.{xml,p7s} and links to the CA certificates and the governance. The governance is
// sros2's default (everything authenticated, discovery and data encrypted, RTPS signed); XML
// documents are signed as S/MIME text with a detached signature, as sros2 signs them.
//
// Keys are made fresh in a test's temporary folder and never committed.
package sros2test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Grant is one enclave and what its permissions allow. Topics are DDS topic names or fnmatch
// expressions as in a permissions file ("rt/cam/image", "rt/cam/*"); nil Publish or Subscribe
// allows every topic ("*"), an empty non-nil slice none.
type Grant struct {
	Enclave            string
	Publish, Subscribe []string
	// Governance, when set, is this enclave's own governance document (signed by the CA) instead
	// of a link to the keystore's: e.g. one that does not enforce write access on a topic, so a
	// participant creates a writer its permissions do not allow and the others must refuse it.
	Governance string
}

// Keystore is a keystore made by New.
type Keystore struct {
	Dir string
	ca  string // the folder of ca.cert.pem and ca.key.pem
}

// New makes a keystore under a temporary folder of t with a CA, the default governance and one
// enclave per grant. It fails the test, saying `make setup` installs openssl, when openssl is missing.
func New(t testing.TB, grants ...Grant) *Keystore {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl not found (make setup installs it): %v", err)
	}
	ks := &Keystore{Dir: filepath.Join(t.TempDir(), "keystore")}
	for _, d := range []string{"public", "private", "enclaves"} {
		mkdir(t, filepath.Join(ks.Dir, d))
	}
	ks.ca = filepath.Join(ks.Dir, "private")
	NewCA(t, filepath.Join(ks.Dir, "public", "ca.cert.pem"), filepath.Join(ks.Dir, "private", "ca.key.pem"), "sros2testCA")
	for _, role := range []string{"identity_ca", "permissions_ca"} {
		symlink(t, "ca.cert.pem", filepath.Join(ks.Dir, "public", role+".cert.pem"))
		symlink(t, "ca.key.pem", filepath.Join(ks.Dir, "private", role+".key.pem"))
	}
	gov := filepath.Join(ks.Dir, "enclaves", "governance.xml")
	write(t, gov, Governance)
	Sign(t, gov, filepath.Join(ks.Dir, "enclaves", "governance.p7s"), ks.caCert(), ks.caKey())
	for _, g := range grants {
		ks.AddEnclave(t, g)
	}
	return ks
}

func (ks *Keystore) caCert() string { return filepath.Join(ks.Dir, "public", "ca.cert.pem") }
func (ks *Keystore) caKey() string  { return filepath.Join(ks.Dir, "private", "ca.key.pem") }

// EnclaveDir is the folder of enclave's keys.
func (ks *Keystore) EnclaveDir(enclave string) string {
	return filepath.Join(ks.Dir, "enclaves", filepath.FromSlash(strings.TrimPrefix(enclave, "/")))
}

// AddEnclave makes g's enclave folder: key, certificate, permissions and the links.
func (ks *Keystore) AddEnclave(t testing.TB, g Grant) {
	t.Helper()
	dir := ks.EnclaveDir(g.Enclave)
	mkdir(t, dir)
	for _, cert := range []string{"identity_ca.cert.pem", "permissions_ca.cert.pem"} {
		rel, err := filepath.Rel(dir, filepath.Join(ks.Dir, "public", cert))
		if err != nil {
			t.Fatal(err)
		}
		symlink(t, rel, filepath.Join(dir, cert))
	}
	if g.Governance != "" {
		gov := filepath.Join(dir, "governance.xml")
		write(t, gov, g.Governance)
		Sign(t, gov, filepath.Join(dir, "governance.p7s"), ks.caCert(), ks.caKey())
	} else {
		rel, err := filepath.Rel(dir, filepath.Join(ks.Dir, "enclaves", "governance.p7s"))
		if err != nil {
			t.Fatal(err)
		}
		symlink(t, rel, filepath.Join(dir, "governance.p7s"))
	}
	NewCert(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), g.Enclave, ks.caCert(), ks.caKey())
	perm := filepath.Join(dir, "permissions.xml")
	write(t, perm, Permissions(g, time.Now()))
	Sign(t, perm, filepath.Join(dir, "permissions.p7s"), ks.caCert(), ks.caKey())
}

// GovernanceWithoutAccessControl is Governance with read and write access control off for every
// topic: a participant that uses it creates readers and writers whatever its permissions say.
var GovernanceWithoutAccessControl = strings.NewReplacer(
	"<enable_read_access_control>true", "<enable_read_access_control>false",
	"<enable_write_access_control>true", "<enable_write_access_control>false").Replace(Governance)

// Governance is sros2's default governance (sros2/policy/defaults/dds/governance.xml) for domain
// ids 0..230 (Cyclone's governance parser refuses larger ones).
const Governance = `<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd">
  <domain_access_rules>
    <domain_rule>
      <domains><id_range><min>0</min><max>230</max></id_range></domains>
      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>
      <enable_join_access_control>true</enable_join_access_control>
      <discovery_protection_kind>ENCRYPT</discovery_protection_kind>
      <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>
      <rtps_protection_kind>SIGN</rtps_protection_kind>
      <topic_access_rules>
        <topic_rule>
          <topic_expression>*</topic_expression>
          <enable_discovery_protection>true</enable_discovery_protection>
          <enable_liveliness_protection>true</enable_liveliness_protection>
          <enable_read_access_control>true</enable_read_access_control>
          <enable_write_access_control>true</enable_write_access_control>
          <metadata_protection_kind>ENCRYPT</metadata_protection_kind>
          <data_protection_kind>ENCRYPT</data_protection_kind>
        </topic_rule>
      </topic_access_rules>
    </domain_rule>
  </domain_access_rules>
</dds>
`

// Permissions is the permissions document of g, valid from a day before now for ten years, for
// domain ids 0..230, denying what it does not allow (as sros2's template does).
func Permissions(g Grant, now time.Time) string {
	topics := func(list []string) string {
		if list == nil {
			list = []string{"*"}
		}
		var b strings.Builder
		for _, t := range list {
			fmt.Fprintf(&b, "<topic>%s</topic>", t)
		}
		return b.String()
	}
	const layout = "2006-01-02T15:04:05"
	var rules strings.Builder
	if g.Publish == nil || len(g.Publish) > 0 {
		fmt.Fprintf(&rules, "        <publish><topics>%s</topics></publish>\n", topics(g.Publish))
	}
	if g.Subscribe == nil || len(g.Subscribe) > 0 {
		fmt.Fprintf(&rules, "        <subscribe><topics>%s</topics></subscribe>\n", topics(g.Subscribe))
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd">
  <permissions>
    <grant name="%s">
      <subject_name>CN=%s</subject_name>
      <validity><not_before>%s</not_before><not_after>%s</not_after></validity>
      <allow_rule>
        <domains><id_range><min>0</min><max>230</max></id_range></domains>
%s      </allow_rule>
      <default>DENY</default>
    </grant>
  </permissions>
</dds>
`, g.Enclave, g.Enclave, now.UTC().Add(-24*time.Hour).Format(layout), now.UTC().AddDate(10, 0, 0).Format(layout), rules.String())
}

// NewCA writes a self-signed EC prime256v1 CA certificate and its key.
func NewCA(t testing.TB, cert, key, cn string) {
	t.Helper()
	run(t, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
	run(t, "openssl", "req", "-x509", "-new", "-key", key, "-out", cert, "-days", "3650", "-sha256",
		"-subj", "/CN="+escapeSubject(cn), "-addext", "basicConstraints=critical,CA:true,pathlen:1")
}

// NewCert writes an EC prime256v1 key and a certificate for CN=cn signed by the CA.
func NewCert(t testing.TB, cert, key, cn, caCert, caKey string) {
	t.Helper()
	run(t, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
	csr := cert + ".csr"
	run(t, "openssl", "req", "-new", "-key", key, "-out", csr, "-sha256", "-subj", "/CN="+escapeSubject(cn))
	ext := cert + ".ext"
	write(t, ext, "basicConstraints=CA:false\n")
	run(t, "openssl", "x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial",
		"-out", cert, "-days", "3650", "-sha256", "-extfile", ext)
	os.Remove(csr)
	os.Remove(ext)
}

// Sign writes doc signed by the CA as S/MIME text with a detached signature.
func Sign(t testing.TB, doc, out, caCert, caKey string) {
	t.Helper()
	run(t, "openssl", "smime", "-sign", "-text", "-in", doc, "-out", out, "-signer", caCert, "-inkey", caKey, "-md", "sha256")
}

// escapeSubject escapes the slashes of an enclave name for openssl's -subj ("/CN=\/robot\/cam").
func escapeSubject(s string) string { return strings.ReplaceAll(s, "/", `\/`) }

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func mkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
