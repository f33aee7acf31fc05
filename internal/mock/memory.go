package mock

// JournalEntryBytes is an upper bound of the heap one journal entry holds
// once the request is answered: the entry in the ring (a
// mockcontrol.JournalEntry, 192 bytes on 64-bit), the strings it keeps
// (path, client, request key, token id) and the ring's growth slack (the
// ring grows by append, whose capacity overshoots the entries it holds by
// up to about a quarter for large rings). A journal of n entries keeps at
// most n × JournalEntryBytes live, which is what "harness mock
// --journal-size" and the embedded mock of "harness load" reserve above the
// process's soft memory limit (cmd/harness: globalState.ReserveMemory), so
// that a full journal does not make the garbage collector run without
// pause. While append copies the ring into a larger one the old ring is
// live too, briefly: at most MaxJournalSize × 192 bytes / 1.25 (about
// 150 MB), which the harness's base memory limit (200 MiB) absorbs.
//
// TestJournalEntryBytes measures it over real requests; about 340 bytes
// per entry with the worst growth slack were measured (GET requests over
// loopback, Go 1.26, amd64).
const JournalEntryBytes = 384
