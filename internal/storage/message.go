package storage

import (
	"io"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// ProtoMessage is an object's protobuf message as a protobuf client is sent it:
// the bytes inside the k8s envelope, resourceVersion set.
//
// A cached object's message is its bytes as they are (MessageOf). A
// write's answer is the stored message, whose resourceVersion is empty,
// and the write's revision: WriteTo writes the stored bytes around the
// revision in pieces instead of assembling a copy (2-3 % of the bytes a
// server storing pods allocated went to those copies). The zero
// ProtoMessage is no message.
type ProtoMessage struct {
	obj []byte
	// rev, with rvSet, replaces obj's resourceVersion field, which
	// is obj[rvStart:rvEnd] inside metadata, obj[metaStart:metaEnd]
	// (tag and length, then the value from metaVal). metaLen is the
	// metadata value's length with rev written in.
	rev                                         int64
	rvSet                                       bool
	metaStart, metaVal, rvStart, rvEnd, metaEnd int
	metaLen                                     int
}

// MessageOf is the message msg, complete as it is.
func MessageOf(msg []byte) ProtoMessage { return ProtoMessage{obj: msg} }

// rvMessage is the object message obj (resourceVersion empty or not) with
// resourceVersion rev, pointing into obj, which must not change while the
// ProtoMessage is used. ok is false when obj has no metadata field or its
// metadata no resourceVersion field (the generated marshalers always write
// it, empty or not).
func rvMessage(obj []byte, rev int64) (m ProtoMessage, ok bool) {
	mStart, mEnd, meta, ok := findBytesField(obj, fieldMetadata)
	if !ok {
		return ProtoMessage{}, false
	}
	vStart, vEnd, _, ok := findBytesField(meta, fieldResourceVersion)
	if !ok {
		return ProtoMessage{}, false
	}
	metaVal := mEnd - len(meta)
	return ProtoMessage{
		obj: obj, rev: rev, rvSet: true,
		metaStart: mStart, metaVal: metaVal, metaEnd: mEnd,
		rvStart: metaVal + vStart, rvEnd: metaVal + vEnd,
		metaLen: len(meta) - (vEnd - vStart) + rvFieldLen(rev),
	}, true
}

// rvFieldLen is the encoded length of a resourceVersion field holding rev.
func rvFieldLen(rev int64) int {
	return protowire.SizeTag(fieldResourceVersion) + protowire.SizeBytes(decimalLen(rev))
}

// decimalLen is the length of strconv.FormatInt(rev, 10).
func decimalLen(rev int64) int {
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], rev, 10))
}

// IsZero reports whether m is no message.
func (m ProtoMessage) IsZero() bool { return m.obj == nil }

// Len is the message's length in bytes.
func (m ProtoMessage) Len() int {
	if !m.rvSet {
		return len(m.obj)
	}
	return len(m.obj) - (m.metaEnd - m.metaStart) + protowire.SizeTag(fieldMetadata) + protowire.SizeBytes(m.metaLen)
}

// pieces returns the message's bytes in order, the metadata field's tag
// and length and the revision's field written into scratch (which a
// writer's Write then holds: one small allocation per answer instead of
// a copy of the message). A complete message is one piece.
func (m ProtoMessage) pieces(scratch []byte) [5][]byte {
	if !m.rvSet {
		return [5][]byte{m.obj}
	}
	metaHead := protowire.AppendTag(scratch[:0], fieldMetadata, protowire.BytesType)
	metaHead = protowire.AppendVarint(metaHead, uint64(m.metaLen))
	rvField := protowire.AppendTag(metaHead[len(metaHead):], fieldResourceVersion, protowire.BytesType)
	rvField = protowire.AppendVarint(rvField, uint64(decimalLen(m.rev)))
	rvField = strconv.AppendInt(rvField, m.rev, 10)
	return [5][]byte{m.obj[:m.metaStart], metaHead, m.obj[m.metaVal:m.rvStart], rvField, m.obj[m.rvEnd:]}
}

// scratchLen holds the metadata field's tag and length (at most 11 bytes)
// and the revision's field (at most 22).
const scratchLen = 40

// WriteTo writes the message to w.
func (m ProtoMessage) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range m.pieces(make([]byte, 0, scratchLen)) {
		if len(p) == 0 {
			continue
		}
		k, err := w.Write(p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// AppendTo appends the message to b.
func (m ProtoMessage) AppendTo(b []byte) []byte {
	var scratch [scratchLen]byte
	for _, p := range m.pieces(scratch[:0]) {
		b = append(b, p...)
	}
	return b
}

// Bytes returns the message as one slice: obj itself for a complete
// message, else a new copy.
func (m ProtoMessage) Bytes() []byte {
	if !m.rvSet {
		return m.obj
	}
	return m.AppendTo(make([]byte, 0, m.Len()))
}
