namespace Herald.Server.Tests.Cluster;

/// <summary>
/// The test classes that start herald processes as cluster nodes (three or four at a time, with a
/// Redis or a three-master Redis Cluster): one class of them at a time, beside the other tests,
/// so that a two-core machine is not asked to run several clusters at once, whose stalls would
/// look like the failures these tests are about.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster nodes, one set at a time";
}
