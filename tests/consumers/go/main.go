// The Go half of the consumer harness (run by tests/consumers/run.sh; standard library only).
//
//	go run . FIXTURES_DIR
//
// models.go, next to this file, is what quicktype generates (--lang go) from the
// self-contained schemas of schemas/bundled/: a type per kind (InquiryResponse,
// PaymentRequest, …) and the named shapes of `data` (InquiryData, PaymentData, StatusData,
// FailureData). Go has no unions, so quicktype gives each response's `data` one struct with
// every field optional; the named shapes are generated as top-level types too, and `data`
// is decoded into the one `success` names.
//
// Every valid fixture must round-trip through its kind's type (decode, encode, the same
// JSON; null and absent are the same to a Go pointer), and the `data` of every response
// must decode into its shape: success into the operation's complete object, whose fields
// are plain values (InquiryID int64, Token string: read with no nil check), failure into
// FailureData, whose fields are all pointers. Exit 1 on the first mismatch.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

var kinds = []string{
	"inquiry.request", "inquiry.response", "payment.request", "payment.response",
	"status.request", "status.response", "callback",
}

// kindOf tells a fixture's kind from its file name (`rc-188-not-found.status.response.json`).
func kindOf(name string) string {
	stem := strings.TrimSuffix(name, ".json")
	for _, kind := range kinds {
		if stem == kind || strings.HasSuffix(stem, "."+kind) {
			return kind
		}
	}
	return ""
}

// roundTrip decodes raw into the generated type of kind and encodes it again.
func roundTrip(kind string, raw []byte) ([]byte, error) {
	switch kind {
	case "inquiry.request":
		r, err := UnmarshalInquiryRequest(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "inquiry.response":
		r, err := UnmarshalInquiryResponse(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "payment.request":
		r, err := UnmarshalPaymentRequest(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "payment.response":
		r, err := UnmarshalPaymentResponse(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "status.request":
		r, err := UnmarshalStatusRequest(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "status.response":
		r, err := UnmarshalStatusResponse(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	case "callback":
		r, err := UnmarshalCallback(raw)
		if err != nil {
			return nil, err
		}
		return r.Marshal()
	}
	return nil, fmt.Errorf("no type for kind %s", kind)
}

// strictly decodes raw into out, refusing a member out does not name.
func strictly(raw []byte, out interface{}) error {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	decoder.UseNumber()
	return decoder.Decode(out)
}

// shapeOf decodes a response's `data` into the shape its `success` names and encodes it
// again; it returns the shape's name.
func shapeOf(kind string, raw []byte) (string, []byte, error) {
	var envelope struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return "", nil, err
	}
	if !envelope.Success {
		var data FailureData
		if err := strictly(envelope.Data, &data); err != nil {
			return "", nil, err
		}
		out, err := data.Marshal()
		return "FailureData", out, err
	}
	switch kind {
	case "inquiry.response":
		var data InquiryData
		if err := strictly(envelope.Data, &data); err != nil {
			return "", nil, err
		}
		if data.InquiryID <= 0 {
			return "", nil, fmt.Errorf("success without an inquiryId")
		}
		out, err := data.Marshal()
		return "InquiryData", out, err
	case "payment.response":
		var data PaymentData
		if err := strictly(envelope.Data, &data); err != nil {
			return "", nil, err
		}
		_ = data.Token // a plain string on success: no nil check
		if data.TransactionID <= 0 || data.RefNumber == "" {
			return "", nil, fmt.Errorf("success without transactionId or refNumber")
		}
		out, err := data.Marshal()
		return "PaymentData", out, err
	default: // status.response, callback
		var data StatusData
		if err := strictly(envelope.Data, &data); err != nil {
			return "", nil, err
		}
		_ = data.Token
		if data.TransactionID <= 0 || data.RefNumber == "" {
			return "", nil, fmt.Errorf("success without transactionId or refNumber")
		}
		out, err := data.Marshal()
		return "StatusData", out, err
	}
}

// withoutNulls drops every null member: a Go pointer or slice holds no difference
// between a member that is null and one that is absent.
func withoutNulls(v interface{}) interface{} {
	switch v := v.(type) {
	case map[string]interface{}:
		out := map[string]interface{}{}
		for key, member := range v {
			if member != nil {
				out[key] = withoutNulls(member)
			}
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = withoutNulls(item)
		}
		return out
	}
	return v
}

func generic(raw []byte) (interface{}, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var v interface{}
	if err := decoder.Decode(&v); err != nil {
		return nil, err
	}
	return withoutNulls(v), nil
}

// sameJSON says whether a and b are the same JSON, nulls aside, numbers as written.
func sameJSON(a, b []byte) (bool, error) {
	va, err := generic(a)
	if err != nil {
		return false, err
	}
	vb, err := generic(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "quicktype Go: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: go run . FIXTURES_DIR")
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.json"))
	if err != nil {
		fail("%v", err)
	}
	sort.Strings(files)
	shapes := map[string]int{}
	roundTrips := 0
	for _, file := range files {
		kind := kindOf(filepath.Base(file))
		if kind == "" {
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			fail("%v", err)
		}
		out, err := roundTrip(kind, raw)
		if err != nil {
			fail("%s does not decode as %s: %v", file, kind, err)
		}
		if same, err := sameJSON(raw, out); err != nil || !same {
			fail("%s does not round-trip as %s (%v):\n%s", file, kind, err, out)
		}
		roundTrips++
		if !strings.HasSuffix(kind, ".response") && kind != "callback" {
			continue
		}
		var data struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &data); err != nil {
			fail("%v", err)
		}
		shape, out, err := shapeOf(kind, raw)
		if err != nil {
			fail("%s: data does not decode as the shape success names: %v", file, err)
		}
		if same, err := sameJSON(data.Data, out); err != nil || !same {
			fail("%s: data does not round-trip as %s (%v):\n%s", file, shape, err, out)
		}
		shapes[shape]++
	}
	if roundTrips == 0 || shapes["FailureData"] == 0 || shapes["InquiryData"] == 0 {
		fail("no fixtures found in %s", os.Args[1])
	}
	names := make([]string, 0, len(shapes))
	for name, count := range shapes {
		names = append(names, fmt.Sprintf("%s %d", name, count))
	}
	sort.Strings(names)
	fmt.Printf("ok quicktype Go: %d valid fixtures round-trip through their kind's type; data decoded as the shape success names (%s)\n",
		roundTrips, strings.Join(names, ", "))
}
