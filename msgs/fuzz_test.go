package msgs

import (
	"bytes"
	"testing"
)

// The fuzz targets feed every input to every type's decoder. A decoder must never panic, and
// what it accepts must re-encode to bytes that decode and re-encode to the same bytes.

func fuzzSeeds(f *testing.F, cdr bool) {
	for _, s := range append(sampleMessages(), rclSampleMessages()...) {
		if cdr {
			f.Add(s.msg.MarshalCDR(nil))
		} else {
			f.Add(s.msg.MarshalROS1(nil))
		}
	}
	for _, typ := range Types() {
		if cdr {
			f.Add(typ.New().MarshalCDR(nil))
		} else {
			f.Add(typ.New().MarshalROS1(nil))
		}
	}
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 1, 0, 3})
}

func FuzzUnmarshalCDR(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range Types() {
			m := typ.New()
			if m.UnmarshalCDR(data) != nil {
				continue
			}
			enc := m.MarshalCDR(nil)
			m2 := typ.New()
			if err := m2.UnmarshalCDR(enc); err != nil {
				t.Fatalf("%s: re-encoded message does not decode: %v", typ.Name, err)
			}
			if enc2 := m2.MarshalCDR(nil); !bytes.Equal(enc, enc2) {
				t.Fatalf("%s: CDR not stable:\n%x\n%x", typ.Name, enc, enc2)
			}
		}
	})
}

func FuzzUnmarshalROS1(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range Types() {
			m := typ.New()
			if m.UnmarshalROS1(data) != nil {
				continue
			}
			enc := m.MarshalROS1(nil)
			m2 := typ.New()
			if err := m2.UnmarshalROS1(enc); err != nil {
				t.Fatalf("%s: re-encoded message does not decode: %v", typ.Name, err)
			}
			if enc2 := m2.MarshalROS1(nil); !bytes.Equal(enc, enc2) {
				t.Fatalf("%s: ROS 1 not stable:\n%x\n%x", typ.Name, enc, enc2)
			}
		}
	})
}

// FuzzSplitServiceCDR: service requests come from any client on the domain. Splitting off the
// header never panics, and what a request type accepts after it re-encodes with the same header.
func FuzzSplitServiceCDR(f *testing.F) {
	for _, s := range rclServiceSamples() {
		f.Add(MarshalServiceCDR(nil, s.header, s.msg))
	}
	f.Add([]byte{0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body, err := SplitServiceCDR(append([]byte(nil), data...))
		if err != nil {
			return
		}
		for _, typ := range Types() {
			m := typ.New()
			if m.UnmarshalCDR(body) != nil {
				continue
			}
			h2, body2, err := SplitServiceCDR(MarshalServiceCDR(nil, h, m))
			if err != nil || h2 != h {
				t.Fatalf("%s: header %+v, %v after re-encoding; want %+v", typ.Name, h2, err, h)
			}
			if err := typ.New().UnmarshalCDR(body2); err != nil {
				t.Fatalf("%s: re-encoded message does not decode: %v", typ.Name, err)
			}
		}
	})
}
