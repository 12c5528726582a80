package msgs

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"regexp"
	"testing"
	"testing/quick"
)

// randomMessage fills a message of t's type with random values (testing/quick).
func randomMessage(t *testing.T, typ *Type, rng *rand.Rand) Message {
	t.Helper()
	m := typ.New()
	v, ok := quick.Value(reflect.TypeOf(m).Elem(), rng)
	if !ok {
		t.Fatalf("%s: quick cannot make a value", typ.Name)
	}
	reflect.ValueOf(m).Elem().Set(v)
	clipBounded(reflect.ValueOf(m))
	return m
}

// clipBounded keeps bounded sequences (ParameterDescriptor's ranges, T[<=1]) within their bound,
// which the decoder enforces.
func clipBounded(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		clipBounded(v.Elem())
	case reflect.Struct:
		if d, ok := v.Addr().Interface().(*ParameterDescriptor); ok {
			d.FloatingPointRange = d.FloatingPointRange[:min(1, len(d.FloatingPointRange))]
			d.IntegerRange = d.IntegerRange[:min(1, len(d.IntegerRange))]
		}
		for i := range v.NumField() {
			clipBounded(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			clipBounded(v.Index(i))
		}
	}
}

// normalize makes empty slices nil and, for CDR, zeroes Header.Seq (which CDR does not carry), so
// that a decoded message compares equal to what was encoded.
func normalize(v reflect.Value, cdr bool) {
	switch v.Kind() {
	case reflect.Pointer:
		normalize(v.Elem(), cdr)
	case reflect.Struct:
		if cdr && v.Type() == reflect.TypeOf(Header{}) {
			v.FieldByName("Seq").SetUint(0)
		}
		for i := range v.NumField() {
			normalize(v.Field(i), cdr)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
		}
		for i := range v.Len() {
			normalize(v.Index(i), cdr)
		}
	case reflect.Array:
		for i := range v.Len() {
			normalize(v.Index(i), cdr)
		}
	}
}

func TestRoundTripEveryType(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, typ := range Types() {
		t.Run(typ.Name, func(t *testing.T) {
			for i := range 50 {
				in := typ.New()
				if i > 0 {
					in = randomMessage(t, typ, rng)
				}
				for _, cdr := range []bool{true, false} {
					var enc []byte
					out := typ.New()
					var err error
					if cdr {
						enc = in.MarshalCDR(nil)
						err = out.UnmarshalCDR(enc)
					} else {
						enc = in.MarshalROS1(nil)
						err = out.UnmarshalROS1(enc)
					}
					if err != nil {
						t.Fatalf("cdr=%v: %v", cdr, err)
					}
					want := reflect.New(reflect.TypeOf(in).Elem())
					want.Elem().Set(reflect.ValueOf(in).Elem())
					normalize(want, cdr)
					normalize(reflect.ValueOf(out), cdr)
					if !reflect.DeepEqual(out, want.Interface()) {
						t.Fatalf("cdr=%v: round trip gives\n%+v\nwant\n%+v", cdr, out, want.Interface())
					}
				}
			}
		})
	}
}

func TestEveryStrictPrefixFails(t *testing.T) {
	for _, s := range sampleMessages() {
		for _, cdr := range []bool{true, false} {
			enc := s.msg.MarshalROS1(nil)
			if cdr {
				enc = s.msg.MarshalCDR(nil)
			}
			for n := range len(enc) {
				m := TypeOf(s.msg).New()
				err := m.UnmarshalROS1(enc[:n])
				if cdr {
					err = m.UnmarshalCDR(enc[:n])
				}
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrLength) && !errors.Is(err, ErrEncapsulation) {
					t.Fatalf("%s cdr=%v: %d of %d bytes: err %v", s.name, cdr, n, len(enc), err)
				}
			}
		}
	}
}

func TestHugeLengthFailsFastNamingTheField(t *testing.T) {
	img := &Image{Header: Header{FrameID: "camera"}, Height: 4, Width: 4, Encoding: "mono8", Step: 4, Data: make([]byte, 16)}
	enc := img.MarshalCDR(nil)
	countAt := len(enc) - 16 - 4
	enc[countAt], enc[countAt+1], enc[countAt+2], enc[countAt+3] = 0, 0, 0, 0x80 // 2^31
	var err error
	if allocs := testing.AllocsPerRun(10, func() { err = new(Image).UnmarshalCDR(enc) }); allocs > 10 {
		t.Errorf("a failing decode allocated %v times", allocs)
	}
	want := "cdr: sensor_msgs/Image.data: length 2147483648 exceeds remaining 16 bytes"
	if err == nil || err.Error() != want || !errors.Is(err, ErrLength) {
		t.Fatalf("err %v, want %q", err, want)
	}

	// The same in ROS 1, deep inside a sequence.
	tf := sampleMessages()[5].msg.(*TFMessage)
	enc = tf.MarshalROS1(nil)
	i := bytes.Index(enc, []byte("camera_link")) - 4
	enc[i+3] = 0x7f
	err = new(TFMessage).UnmarshalROS1(enc)
	re := regexp.MustCompile(`^ros1: tf2_msgs/TFMessage\.transforms\[1\]\.child_frame_id: length 21\d+ exceeds remaining 67 bytes$`)
	if err == nil || !re.MatchString(err.Error()) {
		t.Fatalf("err %v, want match %s", err, re)
	}
	enc = tf.MarshalCDR(nil)
	err = new(TFMessage).UnmarshalCDR(enc[:len(enc)-3])
	if want := "cdr: tf2_msgs/TFMessage.transforms[1].transform.rotation.w: need 8 bytes, 5 remain"; err == nil || err.Error() != want {
		t.Fatalf("err %v, want %q", err, want)
	}
}

func TestCDREncapsulation(t *testing.T) {
	odom := sampleMessages()[4].msg
	enc := odom.MarshalCDR(nil)
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"padding announced in options", append(append([]byte{0, 1, 0, 3}, enc[4:]...), 0, 0, 0), true},
		{"trailing bytes", append(append([]byte{}, enc...), 1, 2, 3, 4, 5, 6, 7, 8), true},
		{"PL_CDR_LE", append([]byte{0, 3, 0, 0}, enc[4:]...), false},
		{"XCDR2", append([]byte{0, 7, 0, 0}, enc[4:]...), false},
		{"no header", enc[:3], false},
	} {
		var got Odometry
		err := got.UnmarshalCDR(tc.in)
		if tc.ok && (err != nil || !reflect.DeepEqual(&got, odom)) {
			t.Errorf("%s: err %v, got %+v", tc.name, err, got)
		}
		if !tc.ok && !errors.Is(err, ErrEncapsulation) {
			t.Errorf("%s: err %v, want ErrEncapsulation", tc.name, err)
		}
	}
}

// Alignment counts from the encapsulation header, not from the start of the caller's buffer.
func TestMarshalAppends(t *testing.T) {
	for _, s := range sampleMessages() {
		prefix := []byte{9, 9, 9}
		if got, want := s.msg.MarshalCDR(prefix), s.msg.MarshalCDR(nil); !bytes.Equal(got[3:], want) || !bytes.Equal(got[:3], prefix) {
			t.Errorf("%s: CDR appended after 3 bytes differs", s.name)
		}
		if got, want := s.msg.MarshalROS1(prefix), s.msg.MarshalROS1(nil); !bytes.Equal(got[3:], want) {
			t.Errorf("%s: ROS 1 appended after 3 bytes differs", s.name)
		}
	}
}

func TestDecodedBytesAliasInput(t *testing.T) {
	img := sampleMessages()[0].msg.(*Image)
	enc := img.MarshalCDR(nil)
	var got Image
	if err := got.UnmarshalCDR(enc); err != nil {
		t.Fatal(err)
	}
	if &got.Data[0] != &enc[len(enc)-len(img.Data)] {
		t.Error("Image.Data is a copy, want a sub-slice of the input")
	}
	if cap(got.Data) != len(got.Data) {
		t.Errorf("cap(Data) = %d, want %d so that append cannot write into the input", cap(got.Data), len(got.Data))
	}
}

// The per-frame path: encoding into a reused buffer allocates nothing, decoding into a reused
// message allocates only its strings.
func TestReuseAllocations(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxDecode float64
	}{{"image", 2}, {"camera_info", 2}, {"point_cloud2", 5}, {"odometry", 2}, {"tf_message", 4}} {
		var msg Message
		for _, s := range sampleMessages() {
			if s.name == tc.name {
				msg = s.msg
			}
		}
		buf := msg.MarshalCDR(nil)
		if a := testing.AllocsPerRun(20, func() { buf = msg.MarshalCDR(buf[:0]) }); a != 0 {
			t.Errorf("%s: MarshalCDR into a reused buffer: %v allocations", tc.name, a)
		}
		dst := TypeOf(msg).New()
		_ = dst.UnmarshalCDR(buf)
		if a := testing.AllocsPerRun(20, func() { _ = dst.UnmarshalCDR(buf) }); a > tc.maxDecode {
			t.Errorf("%s: UnmarshalCDR into a reused message: %v allocations, want ≤ %v", tc.name, a, tc.maxDecode)
		}
	}
}

func TestROS1TimeCarriesSecBits(t *testing.T) {
	c := &Clock{Clock: Time{Sec: -1, Nanosec: 5}}
	if got := c.MarshalROS1(nil); !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0}) {
		t.Fatalf("ROS 1 clock % x", got)
	}
}
