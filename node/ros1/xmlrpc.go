package ros1

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A small XML-RPC client for the master and parameter server calls that goroslib does not
// offer: getParam of a whole namespace (a struct), lists, setParam of any value, getPid and
// getSystemState. goroslib's own XML-RPC decoder has no <struct>.

type master struct {
	uri      string // http://host:port/
	callerID string
	client   *http.Client
}

func newMaster(uri, callerID string) (*master, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("ROS master URI %q: want http://HOST:PORT/", uri)
	}
	if u.Port() == "" {
		u.Host += ":11311"
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return &master{uri: u.String(), callerID: callerID, client: &http.Client{Timeout: 3 * time.Second}}, nil
}

// hostPort is the master's host:port, as goroslib's NodeConf.MasterAddress wants it.
func (m *master) hostPort() string {
	u, _ := url.Parse(m.uri)
	return u.Host
}

// rosError is a master reply with a status code other than 1.
type rosError struct {
	Method string
	Code   int64
	Msg    string
}

func (e *rosError) Error() string {
	return fmt.Sprintf("ROS master %s: code %d: %s", e.Method, e.Code, e.Msg)
}

// call sends method(callerID, args...) and returns the value of a [code, statusMessage, value]
// reply.
func (m *master) call(ctx context.Context, method string, args ...any) (any, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>` + method + `</methodName><params>`)
	for _, a := range append([]any{m.callerID}, args...) {
		b.WriteString("<param>")
		if err := encodeValue(&b, a); err != nil {
			return nil, err
		}
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.uri, &b)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	res, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ROS master %s: HTTP %s", method, res.Status)
	}
	var resp struct {
		Params []xmlValue `xml:"params>param>value"`
		Fault  *xmlValue  `xml:"fault>value"`
	}
	if err := xml.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("ROS master %s: %w", method, err)
	}
	if resp.Fault != nil {
		return nil, fmt.Errorf("ROS master %s: fault %v", method, resp.Fault.toGo())
	}
	if len(resp.Params) != 1 {
		return nil, fmt.Errorf("ROS master %s: %d values in the reply", method, len(resp.Params))
	}
	triple, ok := resp.Params[0].toGo().([]any)
	if !ok || len(triple) != 3 {
		return nil, fmt.Errorf("ROS master %s: reply is not [code, message, value]", method)
	}
	code, _ := triple[0].(int64)
	if code != 1 {
		msg, _ := triple[1].(string)
		return nil, &rosError{Method: method, Code: code, Msg: msg}
	}
	return triple[2], nil
}

// getPid is the master's process id (a liveness and identity check).
func (m *master) getPid(ctx context.Context) (int64, error) {
	v, err := m.call(ctx, "getPid")
	if err != nil {
		return 0, err
	}
	pid, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("ROS master getPid: %T", v)
	}
	return pid, nil
}

// lookupNode returns the slave API URI the master has for a node name; ok is false when the
// master knows no such node.
func (m *master) lookupNode(ctx context.Context, name string) (uri string, ok bool, err error) {
	v, err := m.call(ctx, "lookupNode", name)
	if re, isROS := err.(*rosError); isROS && re.Code == -1 {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	uri, _ = v.(string)
	return uri, true, nil
}

// getParam returns a parameter or a whole namespace (map[string]any); ok is false when unset.
func (m *master) getParam(ctx context.Context, key string) (v any, ok bool, err error) {
	v, err = m.call(ctx, "getParam", key)
	if re, isROS := err.(*rosError); isROS && re.Code == -1 {
		return nil, false, nil // "Parameter [...] is not set"
	}
	return v, err == nil, err
}

func (m *master) setParam(ctx context.Context, key string, v any) error {
	_, err := m.call(ctx, "setParam", key, v)
	return err
}

// systemState is getSystemState: for each topic, the nodes publishing and subscribing it.
type systemState struct {
	Publishers, Subscribers map[string][]string
}

func (m *master) getSystemState(ctx context.Context) (*systemState, error) {
	v, err := m.call(ctx, "getSystemState")
	if err != nil {
		return nil, err
	}
	lists, ok := v.([]any)
	if !ok || len(lists) < 2 {
		return nil, fmt.Errorf("ROS master getSystemState: unexpected reply %T", v)
	}
	parse := func(x any) map[string][]string {
		out := map[string][]string{}
		entries, _ := x.([]any)
		for _, e := range entries {
			pair, _ := e.([]any)
			if len(pair) != 2 {
				continue
			}
			topic, _ := pair[0].(string)
			nodes, _ := pair[1].([]any)
			for _, n := range nodes {
				if s, ok := n.(string); ok {
					out[topic] = append(out[topic], s)
				}
			}
		}
		return out
	}
	return &systemState{Publishers: parse(lists[0]), Subscribers: parse(lists[1])}, nil
}

// xmlValue is an XML-RPC <value> as encoding/xml reads it.
type xmlValue struct {
	Int     *string `xml:"int"`
	I4      *string `xml:"i4"`
	Double  *string `xml:"double"`
	Boolean *string `xml:"boolean"`
	String  *string `xml:"string"`
	Base64  *string `xml:"base64"`
	Array   *struct {
		Values []xmlValue `xml:"data>value"`
	} `xml:"array"`
	Struct *struct {
		Members []struct {
			Name  string   `xml:"name"`
			Value xmlValue `xml:"value"`
		} `xml:"member"`
	} `xml:"struct"`
	Text string `xml:",chardata"`
}

func (v *xmlValue) toGo() any {
	switch {
	case v.Int != nil:
		n, _ := strconv.ParseInt(strings.TrimSpace(*v.Int), 10, 64)
		return n
	case v.I4 != nil:
		n, _ := strconv.ParseInt(strings.TrimSpace(*v.I4), 10, 64)
		return n
	case v.Double != nil:
		f, _ := strconv.ParseFloat(strings.TrimSpace(*v.Double), 64)
		return f
	case v.Boolean != nil:
		return strings.TrimSpace(*v.Boolean) == "1"
	case v.String != nil:
		return *v.String
	case v.Base64 != nil:
		b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(*v.Base64))
		return b
	case v.Array != nil:
		out := make([]any, len(v.Array.Values))
		for i := range v.Array.Values {
			out[i] = v.Array.Values[i].toGo()
		}
		return out
	case v.Struct != nil:
		out := make(map[string]any, len(v.Struct.Members))
		for i := range v.Struct.Members {
			out[v.Struct.Members[i].Name] = v.Struct.Members[i].Value.toGo()
		}
		return out
	}
	return v.Text // a value without a type element is a string
}

func encodeValue(b *bytes.Buffer, v any) error {
	b.WriteString("<value>")
	switch x := v.(type) {
	case string:
		b.WriteString("<string>")
		if err := xml.EscapeText(b, []byte(x)); err != nil {
			return err
		}
		b.WriteString("</string>")
	case bool:
		if x {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case int:
		b.WriteString("<int>" + strconv.Itoa(x) + "</int>")
	case int64:
		b.WriteString("<int>" + strconv.FormatInt(x, 10) + "</int>")
	case float64:
		b.WriteString("<double>" + strconv.FormatFloat(x, 'g', -1, 64) + "</double>")
	case []any:
		b.WriteString("<array><data>")
		for _, e := range x {
			if err := encodeValue(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array>")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<struct>")
		for _, k := range keys {
			b.WriteString("<member><name>")
			if err := xml.EscapeText(b, []byte(k)); err != nil {
				return err
			}
			b.WriteString("</name>")
			if err := encodeValue(b, x[k]); err != nil {
				return err
			}
			b.WriteString("</member>")
		}
		b.WriteString("</struct>")
	default:
		return fmt.Errorf("XML-RPC: cannot encode %T", v)
	}
	b.WriteString("</value>")
	return nil
}

// MasterPid returns the process id of the master at uri; an error means it is not reachable.
func MasterPid(ctx context.Context, uri string) (int64, error) {
	m, err := newMaster(uri, "/ssmde_probe")
	if err != nil {
		return 0, err
	}
	return m.getPid(ctx)
}

// MasterTopics returns, for each topic, the nodes the master at uri lists as publishing and as
// subscribing it (getSystemState).
func MasterTopics(ctx context.Context, uri string) (publishers, subscribers map[string][]string, err error) {
	m, err := newMaster(uri, "/ssmde_probe")
	if err != nil {
		return nil, nil, err
	}
	s, err := m.getSystemState(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s.Publishers, s.Subscribers, nil
}
