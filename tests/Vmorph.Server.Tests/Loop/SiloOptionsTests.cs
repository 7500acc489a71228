using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Vmorph.Server.Tests.Api;

namespace Vmorph.Server.Tests.Loop;

[Collection(ApiCollection.Name)]
public class SiloOptionsTests(ApiFixture api)
{
    [Fact]
    public void TheSiloDirectoryCache_IsSizedForAHundredThousandVms_NotOrleansMillion()
    {
        // Orleans preallocates the cache for its size: 18.6 MB at its default, half of an empty server.
        var directory = api.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(VmorphServer.DirectoryCacheSize, directory.CacheSize);
        Assert.True(directory.CacheSize < GrainDirectoryOptions.DEFAULT_CACHE_SIZE);
    }

    [Fact]
    public void IdleGrains_AreCollectedAfterTwoHours()
    {
        Assert.Equal(TimeSpan.FromHours(2), api.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionAge);
    }
}
