namespace Herald.Server.Tests.Acl;

/// <summary>The ACL suite with users and rules in auth.db, the default.</summary>
public sealed class AclTests : AclSuite;
