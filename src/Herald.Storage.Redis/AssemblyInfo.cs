[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Herald.Server.Tests")]
