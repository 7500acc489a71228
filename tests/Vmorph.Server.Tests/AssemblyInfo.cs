// Servers in one process share OpenTelemetry's metric streams by instrument name (see TelemetryCollection): one
// collection at a time, so that no server is disposed while another's metrics are read.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
