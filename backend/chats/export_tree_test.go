package chats

import (
	"slices"
	"testing"

	"github.com/hearth-app/hearth/backend/store"
)

func msgsWithParents(parents ...int64) []store.Message {
	out := make([]store.Message, len(parents))
	for i, p := range parents {
		out[i].ID = int64(i + 1)
		if p > 0 {
			out[i].ParentID = &p
		}
	}
	return out
}

// Questions waiting for their turn hang below the active leaf, in order, and
// the last is the leaf: on import they become the end of the active path.
func TestExportTreeHangsWaitingQuestionsBelowTheLeaf(t *testing.T) {
	// 1 ← 2, 1 ← 3 (a regenerated answer, the active one), 4 and 5 waiting.
	msgs := msgsWithParents(0, 1, 1, 0, 0)
	parents, leaf := exportTree(msgs, map[int64]bool{4: true, 5: true}, 3)
	if !slices.Equal(parents, []int{-1, 0, 0, 2, 3}) || leaf != 4 {
		t.Fatalf("parents %v leaf %d", parents, leaf)
	}
	// No waiting question: the leaf is the store's.
	parents, leaf = exportTree(msgs[:3], nil, 2)
	if !slices.Equal(parents, []int{-1, 0, 0}) || leaf != 1 {
		t.Fatalf("parents %v leaf %d", parents, leaf)
	}
}

// A chat whose active leaf the store does not know reads as one path in seq
// order, as the schema migration made of chats from before branches.
func TestExportTreeWithoutLeafIsOnePath(t *testing.T) {
	parents, leaf := exportTree(msgsWithParents(0, 1, 0, 3), nil, 0)
	if !slices.Equal(parents, []int{-1, 0, 1, 2}) || leaf != 3 {
		t.Fatalf("parents %v leaf %d", parents, leaf)
	}
	parents, leaf = exportTree(nil, nil, 0)
	if len(parents) != 0 || leaf != -1 {
		t.Fatalf("empty chat: parents %v leaf %d", parents, leaf)
	}
}
