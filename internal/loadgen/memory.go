package loadgen

// AttemptBytes is an upper bound of the heap one attempt kept for back-off
// grading holds (Options.EventLimit; 300,000 at most by default): the
// compliance.Event (120 bytes on 64-bit), the strings it keeps (client id,
// request key) and the growth slack of the slice that holds them (append's
// capacity overshoots the attempts held by up to about a quarter for large
// slices). A run keeps at most EventLimit × AttemptBytes for its attempts,
// which it reports through Options.ReserveMemory with its mock's journal
// (mock.JournalEntryBytes an entry).
//
// TestAttemptBytes measures it over real requests to the mock; about 220
// bytes per attempt with the worst growth slack were measured (GET
// requests over loopback, Go 1.26, amd64).
const AttemptBytes = 256
