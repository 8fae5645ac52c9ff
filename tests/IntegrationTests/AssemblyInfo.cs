// Each collection runs its own set of processes, some of which the tests kill: one collection at a time, so that
// timing-sensitive assertions (elections, timeouts) never compete for the two cores of a CI machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
