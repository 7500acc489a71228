using System.Globalization;
using System.Text;

namespace Vmorph.Libvirt.Tests.TestDriver;

/// <summary>A node description for libvirt's test driver (<c>test:///path/node.xml</c>) with many running domains.</summary>
public static class TestDriverNode
{
    public static string Xml(int domains)
    {
        var xml = new StringBuilder("<node>\n  <cpu><mhz>2000</mhz><model>x86_64</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>\n  <memory>24000000</memory>\n");
        for (var i = 1; i <= domains; i++)
        {
            xml.Append(CultureInfo.InvariantCulture, $"""
                  <domain type='test'>
                    <name>bench-{i:000}</name>
                    <uuid>00000000-0000-4000-8000-{i:000000000000}</uuid>
                    <memory unit='MiB'>1024</memory>
                    <currentMemory unit='MiB'>512</currentMemory>
                    <vcpu current='1'>4</vcpu>
                    <os><type>hvm</type></os>
                    <devices>
                      <disk type='file' device='disk'><source file='/var/lib/images/bench-{i:000}.qcow2'/><target dev='vda' bus='virtio'/></disk>
                      <interface type='network'><mac address='52:54:00:00:{i / 256:x2}:{i % 256:x2}'/><source network='default'/><model type='virtio'/></interface>
                    </devices>
                  </domain>

                """);
        }
        return xml.Append("</node>\n").ToString();
    }
}
