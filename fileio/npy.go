package fileio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// WriteNPY writes a little-endian float32 array of the given shape in numpy's .npy format v1.0.
func WriteNPY(w io.Writer, shape []int, data []float32) error {
	n := 1
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: shape %v has a negative dimension", shape)
		}
		n *= d
		dims[i] = strconv.Itoa(d)
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, data has %d", shape, n, len(data))
	}
	shapeText := strings.Join(dims, ", ")
	if len(shape) == 1 {
		shapeText += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shapeText)
	// magic(6) + version(2) + header length(2) + header + '\n' must be a multiple of 64.
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	var hl [2]byte
	binary.LittleEndian.PutUint16(hl[:], uint16(len(header)))
	bw.Write(hl[:])
	bw.WriteString(header)
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// WriteNPYFile writes a float32 .npy file.
func WriteNPYFile(path string, shape []int, data []float32) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := WriteNPY(f, shape, data); err != nil {
		f.Discard()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// maxNPYValues bounds what ReadNPY will allocate (1 Gi values = 4 GiB).
const maxNPYValues = 1 << 30

// ReadNPY reads a little-endian float32, C-order .npy file (v1 or v2 header), as WriteNPY and
// numpy.save(np.float32 array) write it.
func ReadNPY(r io.Reader) (shape []int, data []float32, err error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, nil, fmt.Errorf("npy: bad magic %q", pre[:6])
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return nil, nil, fmt.Errorf("npy: header length %d is implausible", hlen)
		}
	default:
		return nil, nil, fmt.Errorf("npy: version %d.%d unsupported", pre[6], pre[7])
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, fmt.Errorf("npy: reading header: %w", err)
	}
	h := string(hb)
	if !strings.Contains(h, "'descr': '<f4'") {
		return nil, nil, fmt.Errorf("npy: header %q: only little-endian float32 ('<f4') is supported", strings.TrimSpace(h))
	}
	if strings.Contains(h, "'fortran_order': True") {
		return nil, nil, fmt.Errorf("npy: Fortran-order arrays are not supported")
	}
	i := strings.Index(h, "'shape': (")
	if i < 0 {
		return nil, nil, fmt.Errorf("npy: header %q has no shape", strings.TrimSpace(h))
	}
	rest := h[i+len("'shape': ("):]
	j := strings.IndexByte(rest, ')')
	if j < 0 {
		return nil, nil, fmt.Errorf("npy: header %q: unterminated shape", strings.TrimSpace(h))
	}
	n := 1
	for _, f := range strings.Split(rest[:j], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 {
			return nil, nil, fmt.Errorf("npy: shape dimension %q is not a non-negative integer", f)
		}
		shape = append(shape, d)
		if d > 0 && n > maxNPYValues/d {
			return nil, nil, fmt.Errorf("npy: shape %v exceeds %d values", shape, maxNPYValues)
		}
		n *= d
	}
	raw := make([]byte, 4*n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, fmt.Errorf("npy: shape %v needs %d bytes of data: %w", shape, 4*n, err)
	}
	data = make([]float32, n)
	for k := range data {
		data[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
	}
	return shape, data, nil
}

// ReadNPYFile reads a float32 .npy file.
func ReadNPYFile(path string) ([]int, []float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	shape, data, err := ReadNPY(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return shape, data, nil
}
