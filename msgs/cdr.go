package msgs

// ROS 2 payloads are XCDR1 behind a 4-byte encapsulation header (DESIGN §6): two bytes naming the
// representation (00 00 CDR big endian, 00 01 CDR little endian) and two bytes of options whose
// low two bits count padding bytes appended after the message.

// Encapsulation kinds this package reads; it writes CDR_LE.
const (
	EncapsulationCDRBE uint16 = 0x0000
	EncapsulationCDRLE uint16 = 0x0001
)

// cdrWriter starts a CDR payload in buf: the encapsulation header, then alignment from there.
func cdrWriter(buf []byte) writer {
	buf = append(buf, 0x00, 0x01, 0x00, 0x00)
	return writer{buf: buf, origin: len(buf)}
}

// cdrReader reads the encapsulation header of data; a reader that fails there carries the error,
// and every read from it returns zero. Bytes after the message (the padding the options
// announce, or any other) are ignored, as DDS readers do.
func cdrReader(data []byte, typ string) reader {
	r := reader{data: data, typ: typ}
	if len(data) < 4 {
		r.fail("encapsulation", ErrEncapsulation, "payload of "+itoa(len(data))+" bytes has no encapsulation header")
		return r
	}
	switch {
	case data[0] == 0 && data[1] == 1:
	case data[0] == 0 && data[1] == 0:
		r.big = true
	default:
		r.fail("encapsulation", ErrEncapsulation, "representation "+hex2(data[0], data[1])+" is not plain CDR (00 00 or 00 01)")
		return r
	}
	if pad := int(data[3] & 3); pad <= len(data)-4 {
		r.data = data[:len(data)-pad]
	}
	r.pos, r.origin = 4, 4
	return r
}

func hex2(a, b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[a>>4], digits[a&15], ' ', digits[b>>4], digits[b&15]})
}
