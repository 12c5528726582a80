package msgs

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// ROS 1 identifies a message type by an MD5 sum (the md5sum field of a connection header and of a
// bag's connection record). The hashed text is the type's own definition reduced to its meaning:
// constants first as "type NAME=value", then fields as "type name", one a line, comments and
// extra spaces gone, and every field of message type written as that type's MD5 in place of its
// name (array brackets dropped), so that a change anywhere below changes the sum.

// ros1MD5Text is the text hashed for a type; md5Of gives its dependencies' sums.
func ros1MD5Text(short string, texts map[string]string, md5Of func(string) string) string {
	pkg, _, _ := strings.Cut(short, "/")
	var consts, fields []string
	for _, f := range parseMsg(texts[short]) {
		switch {
		case f.isConst:
			consts = append(consts, f.typ+" "+f.name+"="+f.constant)
		case resolveType(f.typ, pkg, true) == "":
			fields = append(fields, f.typ+" "+f.name)
		default:
			fields = append(fields, md5Of(resolveType(f.typ, pkg, true))+" "+f.name)
		}
	}
	return strings.Join(append(consts, fields...), "\n")
}

// ros1MD5Sums computes the MD5 sum of every type in texts (ROS 1 short names).
func ros1MD5Sums(texts map[string]string) map[string]string {
	sums := make(map[string]string, len(texts))
	var md5Of func(string) string
	md5Of = func(t string) string {
		if s, ok := sums[t]; ok {
			return s
		}
		h := md5.Sum([]byte(ros1MD5Text(t, texts, md5Of)))
		sums[t] = hex.EncodeToString(h[:])
		return sums[t]
	}
	for t := range texts {
		md5Of(t)
	}
	return sums
}
