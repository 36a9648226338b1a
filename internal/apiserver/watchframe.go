package apiserver

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// maxKeptFrame is the largest frame buffer a watch connection keeps for
// the next event.
const maxKeptFrame = 1 << 20

// appendWatchFrame appends the frame a protobuf watch stream carries for
// one event of type typ whose object is msg, the stored message of an
// object of apiVersion and kind. The bytes are those upstream's encoders
// write for a metav1.WatchEvent whose object is the message in its
// runtime.Unknown envelope (a 4-byte big-endian length, then the
// WatchEvent), built in one pass into a buffer the connection reuses:
// encoding the envelope and then the event copied each message twice into
// fresh buffers for every watcher.
func appendWatchFrame(dst []byte, typ, apiVersion, kind string, msg []byte) []byte {
	// runtime.TypeMeta: apiVersion 1, kind 2 (both always written).
	typeMeta := sizeString(1, apiVersion) + sizeString(2, kind)
	// runtime.Unknown: typeMeta 1, raw 2, contentEncoding 3 and
	// contentType 4 (empty, but written).
	unknown := sizeBytes(1, typeMeta) + sizeBytes(2, len(msg)) + sizeString(3, "") + sizeString(4, "")
	// runtime.RawExtension: raw 1, the prefixed envelope.
	inner := len(protoenvelope.Magic) + unknown
	rawExt := sizeBytes(1, inner)
	// metav1.WatchEvent: type 1, object 2.
	event := sizeString(1, typ) + sizeBytes(2, rawExt)

	dst = binary.BigEndian.AppendUint32(dst, uint32(event))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendString(dst, typ)
	dst = protowire.AppendTag(dst, 2, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(rawExt))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(inner))
	dst = append(dst, protoenvelope.Magic...)
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(typeMeta))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendString(dst, apiVersion)
	dst = protowire.AppendTag(dst, 2, protowire.BytesType)
	dst = protowire.AppendString(dst, kind)
	dst = protowire.AppendTag(dst, 2, protowire.BytesType)
	dst = protowire.AppendBytes(dst, msg)
	dst = protowire.AppendTag(dst, 3, protowire.BytesType)
	dst = protowire.AppendString(dst, "")
	dst = protowire.AppendTag(dst, 4, protowire.BytesType)
	dst = protowire.AppendString(dst, "")
	return dst
}

// sizeBytes is the encoded size of field num holding n bytes.
func sizeBytes(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func sizeString(num protowire.Number, s string) int { return sizeBytes(num, len(s)) }
