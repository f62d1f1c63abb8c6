package apis

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// FuzzDecode feeds arbitrary bytes to the decoders the API server uses for
// request bodies (JSON, YAML, protobuf). Decoding may fail but must never
// panic, and whatever decodes must survive an encode/decode round trip in
// every wire format.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}`))
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: b\n"))
	f.Add([]byte(`{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e"},"note":"n"}`))
	f.Add([]byte("k8s\x00\n\x0c\n\x02v1\x12\x06Status"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":`))
	gv := schema.GroupVersion{Version: "v1"}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, _, err := Codecs.UniversalDeserializer().Decode(data, nil, nil)
		if err != nil {
			return
		}
		cm, ok := obj.(*corev1.ConfigMap)
		if !ok {
			return
		}
		for _, mediaType := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf, runtime.ContentTypeYAML} {
			info, _ := runtime.SerializerInfoForMediaType(Codecs.SupportedMediaTypes(), mediaType)
			encoded, err := runtime.Encode(Codecs.EncoderForVersion(info.Serializer, gv), cm)
			if err != nil {
				t.Fatalf("%s: encoding a decoded ConfigMap: %v", mediaType, err)
			}
			back, _, err := Codecs.UniversalDeserializer().Decode(encoded, nil, nil)
			if err != nil {
				t.Fatalf("%s: decoding what was encoded: %v", mediaType, err)
			}
			if !apiequality.Semantic.DeepEqual(normalize(cm), normalize(back.(*corev1.ConfigMap))) {
				t.Fatalf("%s: round trip changed the object:\n%#v\n%#v", mediaType, cm, back)
			}
		}
	})
}

// normalize drops the differences the wire formats are allowed to have:
// empty and nil maps look the same on the wire.
func normalize(cm *corev1.ConfigMap) *corev1.ConfigMap {
	c := cm.DeepCopy()
	// Kind and apiVersion are read case-insensitively but written canonically.
	c.TypeMeta = metav1.TypeMeta{}
	if len(c.Data) == 0 {
		c.Data = nil
	}
	if len(c.BinaryData) == 0 {
		c.BinaryData = nil
	}
	for k, v := range c.BinaryData {
		if len(v) == 0 {
			c.BinaryData[k] = nil
		}
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	if len(c.Annotations) == 0 {
		c.Annotations = nil
	}
	return c
}
