package statefulset

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
)

func runtimeRaw(b []byte) runtime.RawExtension { return runtime.RawExtension{Raw: b} }

func jsonMarshal(v interface{}) ([]byte, error) { return json.Marshal(v) }

func jsonUnmarshal(b []byte, v interface{}) error { return json.Unmarshal(b, v) }
