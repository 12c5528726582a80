package ros2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SROS2: DDS Security for a node, configured the way a ROS 2 process configures it.
//
// rcl decides from the environment (rcl/src/rcl/security.c): security is on when ROS_SECURITY_ENABLE
// is exactly "true"; the strategy is Enforce when ROS_SECURITY_STRATEGY is exactly "Enforce", else
// Permissive; the enclave's folder is ROS_SECURITY_KEYSTORE/enclaves/<enclave without its leading
// slash> ("/" is the enclaves folder itself), where the enclave is ROS_SECURITY_ENCLAVE_OVERRIDE if
// set, else the --enclave argument, else "/". rmw_cyclonedds (rmw_cyclonedds_cpp/src/rmw_node.cpp,
// configure_qos_for_security) then needs the six files rmw_dds_common's get_security_files lists
// (rmw_dds_common/src/security.cpp: identity_ca.cert.pem, cert.pem, key.pem,
// permissions_ca.cert.pem, governance.p7s, permissions.p7s; crl.pem optional; no PKCS#11 for
// Cyclone) and passes them as "file:" URIs in the participant's QoS properties, with the three
// plugin libraries. Missing keys under Enforce fail the node; under Permissive the node starts
// without security. The participant's USER_DATA says "enclave=<--enclave or />;" (the
// override picks the folder only, as in rcl).

// SecurityStrategy is what to do when security is asked for and the keys are not there.
type SecurityStrategy int

const (
	// SecurityPermissive starts the node without security (with a warning) when its keys are missing.
	SecurityPermissive SecurityStrategy = iota
	// SecurityEnforce refuses to start the node without valid keys.
	SecurityEnforce
)

func (s SecurityStrategy) String() string {
	if s == SecurityEnforce {
		return "Enforce"
	}
	return "Permissive"
}

// The environment variables rcl reads (rcl/include/rcl/security.h).
const (
	EnvSecurityEnable   = "ROS_SECURITY_ENABLE"
	EnvSecurityStrategy = "ROS_SECURITY_STRATEGY"
	EnvSecurityKeystore = "ROS_SECURITY_KEYSTORE"
	EnvEnclaveOverride  = "ROS_SECURITY_ENCLAVE_OVERRIDE"
)

// securityFiles are the enclave folder's files, in the order rmw_cyclonedds sets them, with the
// Cyclone DDS property each one becomes.
var securityFiles = []struct{ file, property string }{
	{"identity_ca.cert.pem", "dds.sec.auth.identity_ca"},
	{"cert.pem", "dds.sec.auth.identity_certificate"},
	{"key.pem", "dds.sec.auth.private_key"},
	{"permissions_ca.cert.pem", "dds.sec.access.permissions_ca"},
	{"governance.p7s", "dds.sec.access.governance"},
	{"permissions.p7s", "dds.sec.access.permissions"},
}

// securityLibraries are the DDS Security plugins as rmw_cyclonedds names them (Cyclone finds
// libdds_security_*.so on its library path; Debian's build looks in its own libddsc0debian folder).
var securityLibraries = [][2]string{
	{"dds.sec.auth.library.path", "dds_security_auth"},
	{"dds.sec.auth.library.init", "init_authentication"},
	{"dds.sec.auth.library.finalize", "finalize_authentication"},
	{"dds.sec.crypto.library.path", "dds_security_crypto"},
	{"dds.sec.crypto.library.init", "init_crypto"},
	{"dds.sec.crypto.library.finalize", "finalize_crypto"},
	{"dds.sec.access.library.path", "dds_security_ac"},
	{"dds.sec.access.library.init", "init_access_control"},
	{"dds.sec.access.library.finalize", "finalize_access_control"},
}

// Security is a node's DDS Security configuration. The zero value is security off.
type Security struct {
	// Enabled: the participant is created with the keys of Dir.
	Enabled  bool
	Strategy SecurityStrategy
	// Enclave is the name announced in USER_DATA ("/" by default); Lookup is the name whose folder
	// holds the keys (ROS_SECURITY_ENCLAVE_OVERRIDE when set, else Enclave).
	Enclave, Lookup string
	Keystore        string // ROS_SECURITY_KEYSTORE
	Dir             string // the enclave's folder: Keystore/enclaves/<Lookup>
	CRL             string // Dir/crl.pem when it exists
	// Source says where it came from, for the start-up log line.
	Source string
}

// SecurityRequest is what the environment and the command line ask for, before any file is looked at.
type SecurityRequest struct {
	Enable   bool
	Strategy SecurityStrategy
	Keystore string
	Enclave  string // --enclave, "" for "/"
	Override string // ROS_SECURITY_ENCLAVE_OVERRIDE
}

// SecurityRequestFromEnv reads rcl's variables with getenv (os.Getenv in a node) for enclave
// (the --enclave argument, "" when none was given).
func SecurityRequestFromEnv(getenv func(string) string, enclave string) SecurityRequest {
	strategy := SecurityPermissive
	if getenv(EnvSecurityStrategy) == "Enforce" {
		strategy = SecurityEnforce
	}
	return SecurityRequest{
		Enable:   getenv(EnvSecurityEnable) == "true",
		Strategy: strategy,
		Keystore: getenv(EnvSecurityKeystore),
		Enclave:  enclave,
		Override: getenv(EnvEnclaveOverride),
	}
}

// ErrSecurity marks a node that was asked to run secured under the Enforce strategy and cannot.
var ErrSecurity = errors.New("ros2: DDS security")

// Resolve finds the keys r asks for. It returns the configuration, the warnings a Permissive
// fallback gives (the node then runs unsecured), or, under Enforce, an error wrapping
// ErrSecurity that names what is missing and how to make it.
func (r SecurityRequest) Resolve() (Security, []string, error) {
	enclave := r.Enclave
	if enclave == "" {
		enclave = "/"
	}
	if err := validateTokens("enclave", enclave, true); err != nil {
		return Security{}, nil, err
	}
	s := Security{Strategy: r.Strategy, Enclave: enclave, Lookup: enclave, Keystore: r.Keystore}
	if !r.Enable {
		return s, nil, nil
	}
	source := EnvSecurityEnable + "=true, " + EnvSecurityStrategy + "=" + r.Strategy.String()
	if r.Override != "" {
		if err := validateTokens(EnvEnclaveOverride, r.Override, true); err != nil {
			return Security{}, nil, err
		}
		s.Lookup = r.Override
		source += ", " + EnvEnclaveOverride + "=" + r.Override
	}
	s.Source = source
	fail := func(problem string) (Security, []string, error) {
		if r.Strategy == SecurityEnforce {
			return Security{}, nil, fmt.Errorf("%w: %s; %s=Enforce refuses to start without keys (create them with `ros2 security create_keystore KEYSTORE` and `ros2 security create_enclave KEYSTORE %s`, or set %s=Permissive to run unsecured)",
				ErrSecurity, problem, EnvSecurityStrategy, s.Lookup, EnvSecurityStrategy)
		}
		off := s // everything but the keys: Enabled stays false
		off.Dir = ""
		return off, []string{fmt.Sprintf("DDS security requested but %s; %s=Permissive: running WITHOUT security (anyone on the domain can read and write this node's topics)", problem, EnvSecurityStrategy)}, nil
	}
	if r.Keystore == "" {
		return fail(EnvSecurityKeystore + " is not set")
	}
	s.Dir = filepath.Join(r.Keystore, "enclaves", filepath.FromSlash(strings.TrimPrefix(s.Lookup, "/")))
	if st, err := os.Stat(s.Dir); err != nil || !st.IsDir() {
		return fail(fmt.Sprintf("the enclave folder %s (keystore %s, enclave %s) does not exist", s.Dir, r.Keystore, s.Lookup))
	}
	for _, f := range securityFiles {
		p := filepath.Join(s.Dir, f.file)
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return fail(fmt.Sprintf("%s is missing from the enclave folder %s", f.file, s.Dir))
		}
	}
	if p := filepath.Join(s.Dir, "crl.pem"); regularFile(p) {
		s.CRL = p
	}
	s.Enabled = true
	return s, nil, nil
}

func regularFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Properties are the participant QoS properties that turn DDS Security on in Cyclone DDS, as
// rmw_cyclonedds sets them; nil when security is off.
func (s Security) Properties() [][2]string {
	if !s.Enabled {
		return nil
	}
	var props [][2]string
	for _, f := range securityFiles {
		abs, err := filepath.Abs(filepath.Join(s.Dir, f.file))
		if err != nil {
			abs = filepath.Join(s.Dir, f.file)
		}
		props = append(props, [2]string{f.property, "file:" + filepath.ToSlash(abs)})
	}
	props = append(props, securityLibraries...)
	if s.CRL != "" {
		abs, _ := filepath.Abs(s.CRL)
		props = append(props, [2]string{"org.eclipse.cyclonedds.sec.auth.crl", "file:" + filepath.ToSlash(abs)})
	}
	return props
}

// UserData is the participant's USER_DATA, "enclave=<enclave>;", as rmw writes it.
func (s Security) UserData() string {
	e := s.Enclave
	if e == "" {
		e = "/"
	}
	return "enclave=" + e + ";"
}
