package lifecycle

// ReportWithCap is Report with another cap on its reads, for the tests.
var ReportWithCap = reportWithCap
