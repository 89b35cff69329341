package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

func TestGraphQLDecodeErrorsInWords(t *testing.T) {
	t.Parallel()
	type deployments struct {
		Repository struct {
			Deployments struct {
				Nodes []struct {
					DatabaseID int64     `json:"databaseId"`
					CreatedAt  time.Time `json:"createdAt"`
					Latest     *struct {
						State string `json:"state"`
					} `json:"latestStatus"`
				} `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"an array for an object", `{"repository":[]}`, "field repository holds an array where an object belongs"},
		{"an array for an object, deeper", `{"repository":{"deployments":{"nodes":{"a":1}}}}`, "field repository.deployments.nodes holds an object where an array belongs"},
		{"a string for a number", `{"repository":{"deployments":{"nodes":[{"databaseId":1},{"databaseId":"2"}]}}}`, "field repository.deployments.nodes.1.databaseId holds a string where a number belongs"},
		{"a fraction for a whole number", `{"repository":{"deployments":{"nodes":[{"databaseId":1.5}]}}}`, "field repository.deployments.nodes.0.databaseId holds the number 1.5 where a whole number belongs"},
		{"a number for a string", `{"repository":{"deployments":{"nodes":[{"latestStatus":{"state":7}}]}}}`, "field repository.deployments.nodes.0.latestStatus.state holds the number 7 where a string belongs"},
		{"not a time", `{"repository":{"deployments":{"nodes":[{"createdAt":"yesterday"}]}}}`, "field repository.deployments.nodes.0.createdAt holds a string that does not read as a date and time"},
		{"data is an array", `[1]`, "the data holds an array where an object belongs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, always(200, nil, `{"data":`+tt.data+`}`), nil)
			var out deployments
			_, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
			var bad *githubapi.BadAnswerError
			if !errors.As(err, &bad) {
				t.Fatalf("QueryPartial = %v, want a *BadAnswerError", err)
			}
			if bad.What != tt.want {
				t.Errorf("What = %q\nwant   %q", bad.What, tt.want)
			}
			for _, never := range []string{"struct", "Go ", "int64", "time.Time", "unmarshal", "2006"} {
				if strings.Contains(err.Error(), never) {
					t.Errorf("error %q says %q", err, never)
				}
			}
			if n := s.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// Whatever field of whichever list element does not fit, the error names
// it by its path in the data, list indices and the key as GitHub spelt it
// included, and says what it holds and what belongs there.
func TestADecodeErrorNamesTheFieldThatDoesNotFitByItsPath(t *testing.T) {
	t.Parallel()
	type node struct {
		ID     int64      `json:"databaseId"`
		State  string     `json:"state"`
		Active bool       `json:"active"`
		Tags   [][]string `json:"tags"`
		Latest *struct {
			State string `json:"state"`
		} `json:"latestStatus"`
	}
	type data struct {
		Repository struct {
			Deployments struct {
				Nodes []node `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	const good = `{"databaseId":1,"state":"x","active":true,"tags":[["a"],["b","c"]],"latestStatus":{"state":"s"}}`
	words := map[string]string{`"s"`: "a string", `true`: "true", `[]`: "an array", `{}`: "an object", `7`: "the number 7"}
	// Each field: where it is in a node, what belongs there, and values
	// that do not fit.
	fields := []struct{ key, inner, want string }{
		{"databaseId", "", "a number"}, {"state", "", "a string"}, {"active", "", "true or false"},
		{"tags", ".1.0", "a string"}, {"latestStatus", "", "an object"}, {"latestStatus", ".state", "a string"},
	}
	var body string
	s := newScripted(t, func(int, *gqlClock) (int, map[string]string, string) { return 200, nil, body }, nil)
	r := rand.New(rand.NewPCG(24, 2))
	for range 300 {
		n := 1 + r.IntN(5)
		bad := r.IntN(n)
		f := fields[r.IntN(len(fields))]
		key := f.key
		if r.IntN(3) == 0 {
			key = strings.ToUpper(key[:1]) + key[1:] // the decoder matches keys in any case
		}
		var value, problem string
		for {
			value = []string{`"s"`, `true`, `[]`, `{}`, `7`, `1.5`, `99999999999999999999`}[r.IntN(7)]
			switch {
			case f.want == "a number" && value == `1.5`:
				problem = "holds the number 1.5 where a whole number belongs"
			case f.want == "a number" && value == `99999999999999999999`:
				problem = "holds the number 99999999999999999999, out of range there"
			case f.want == "a number" && value == `7`, f.want == "true or false" && value == `true`, words[value] == "" || words[value] == f.want:
				continue // fits, or no words for it here
			default:
				problem = "holds " + words[value] + " where " + f.want + " belongs"
			}
			break
		}
		var node string
		switch f.inner {
		case "":
			node = fmt.Sprintf(`{"databaseId":1,"state":"x","active":true,"tags":[],"latestStatus":{"state":"s"},%q:%s}`, key, value)
		case ".1.0":
			node = fmt.Sprintf(`{"databaseId":1,%q:[["a"],[%s,"c"]]}`, key, value)
		case ".state":
			node = fmt.Sprintf(`{"databaseId":1,%q:{"state":%s}}`, key, value)
		}
		nodes := make([]string, n)
		for i := range nodes {
			nodes[i] = good
		}
		nodes[bad] = node
		body = `{"data":{"repository":{"deployments":{"nodes":[` + strings.Join(nodes, ",") + `]}}}}`
		var out data
		_, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
		want := fmt.Sprintf("field repository.deployments.nodes.%d.%s%s %s", bad, key, f.inner, problem)
		var ba *githubapi.BadAnswerError
		if !errors.As(err, &ba) || ba.What != want {
			t.Fatalf("%s:\n got %v\nwant %s", body, err, want)
		}
	}
}
