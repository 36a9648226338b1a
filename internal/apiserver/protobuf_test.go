package apiserver

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestListMessage checks the hand-built list message against the
// generated marshaler.
func TestListMessage(t *testing.T) {
	remaining := int64(3)
	cm := func(name string) corev1.ConfigMap {
		return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "5"}, Data: map[string]string{"k": name}}
	}
	tests := []struct {
		name string
		list corev1.ConfigMapList
	}{
		{name: "empty", list: corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}}},
		{name: "items", list: corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}, Items: []corev1.ConfigMap{cm("a"), cm("b")}}},
		{name: "page", list: corev1.ConfigMapList{
			ListMeta: metav1.ListMeta{ResourceVersion: "9", Continue: "tok", RemainingItemCount: &remaining},
			Items:    []corev1.ConfigMap{cm("a")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := tt.list.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			var items [][]byte
			for i := range tt.list.Items {
				b, err := tt.list.Items[i].Marshal()
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, b)
			}
			got, err := listMessage(tt.list.ListMeta, items)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("listMessage() = %x, %v; want %x", got, err, want)
			}
		})
	}
}
