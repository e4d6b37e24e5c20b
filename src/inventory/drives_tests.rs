//! Tests of the drives collector: mountinfo texts, injected sizes, udev/by-uuid fixtures.

use std::collections::HashMap;

use super::*;
use crate::inventory::fixture::Tree;
use crate::model::local::Value;

/// `/proc/self/mountinfo` of this machine.
const MOUNTINFO: &str = "22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334760k,nr_inodes=3083690,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683772k
26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
45 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
";

/// Sizes by mount point: (KiB total, KiB available, st_dev).
fn sizes_of(table: &[(&str, u64, u64, u64)]) -> impl Fn(&Mount) -> Option<Sizes> {
    let map: HashMap<String, Sizes> = table
        .iter()
        .map(|(mp, t, a, d)| {
            let s = Sizes {
                total: t * 1024,
                available: a * 1024,
                device: Some(*d),
            };
            ((*mp).to_owned(), s)
        })
        .collect();
    move |m: &Mount| map.get(&m.mount_point).copied()
}

fn run(files: &[(&str, &str)], table: &[(&str, u64, u64, u64)]) -> Vec<Entry> {
    let t = Tree::new(files);
    let options = t.options();
    let ctx = Context { options: &options };
    gather_build(&ctx, &sizes_of(table))
}

#[test]
fn this_machine_like_df() {
    // df -P -T -k of this machine, plus the bind mount /run/netns (same st_dev as /).
    let table = [
        ("/dev", 12_334_760, 12_334_760, 6),
        ("/dev/shm", 24_683_772, 24_683_772, 23),
        ("/", 264_212_084, 69_443_620, 0xfe00),
        ("/run/netns", 264_212_084, 69_443_620, 0xfe00),
        ("/mnt/sandboxing/model_tools_env/v1/python", 4, 4, 25),
        ("/sys/fs/cgroup", 12_341_884, 12_341_884, 28),
    ];
    let drives = run(&[("/proc/self/mountinfo", MOUNTINFO)], &table);
    assert_eq!(drives.len(), 1);
    let d = &drives[0];
    assert_eq!(d.get_text("VOLUMN").as_deref(), Some("/dev/vda"));
    assert_eq!(d.get_text("FILESYSTEM").as_deref(), Some("ext4"));
    assert_eq!(d.get_text("TYPE").as_deref(), Some("/"));
    // KiB / 1024 truncated, as the FI 2.6 fixture (TOTAL 258019).
    assert_eq!(d.get("TOTAL"), Some(&Value::Int(258_019)));
    assert_eq!(d.get("FREE"), Some(&Value::Int(67_816)));
    assert!(d.get("SERIAL").is_none() && d.get("LABEL").is_none());
}

#[test]
fn filters() {
    let mountinfo = "1 0 8:1 / / rw - ext4 /dev/sda1 rw
2 1 0:40 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw
3 1 7:0 / /snap/core/1 ro - squashfs /dev/loop0 ro
4 1 8:2 / /boot rw - vfat /dev/sda2 rw
5 1 0:41 / /run/user/1000 rw - tmpfs tmpfs rw
6 1 0:42 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
7 1 8:3 / /tiny rw - ext2 /dev/sda3 rw
";
    let table = [
        ("/", 1_048_576, 524_288, 1),
        ("/var/lib/docker/overlay2/x/merged", 1_048_576, 524_288, 2),
        ("/snap/core/1", 100_000, 0, 3),
        ("/boot", 523_248, 400_000, 4),
        ("/run/user/1000", 1000, 1000, 5),
        ("/proc/sys/fs/binfmt_misc", 1000, 1000, 6),
        // 1000 KiB total, 10 KiB free: kept (df says > 0 KiB), both round down.
        ("/tiny", 1000, 10, 7),
    ];
    let drives = run(&[("/proc/self/mountinfo", mountinfo)], &table);
    let points: Vec<String> = drives.iter().filter_map(|d| d.get_text("TYPE")).collect();
    assert_eq!(points, ["/", "/boot", "/tiny"]);
    assert_eq!(drives[1].get("TOTAL"), Some(&Value::Int(510)));
    assert_eq!(drives[2].get("TOTAL"), Some(&Value::Int(0)));
    assert_eq!(drives[2].get("FREE"), Some(&Value::Int(0)));
    // Unknown sizes (statvfs failed): left out.
    let drives = run(&[("/proc/self/mountinfo", mountinfo)], &[]);
    assert!(drives.is_empty());
}

#[test]
fn mib_rounding() {
    let m = Mount {
        dev: None,
        root: "/".into(),
        mount_point: "/data".into(),
        fstype: "xfs".into(),
        source: "/dev/sdb".into(),
    };
    let s = Sizes {
        total: 2 * 1024 * 1024 - 1,
        available: 1024 * 1024 + 1,
        device: None,
    };
    let e = build(&[m], &[Some(s)], &Ids::default());
    assert_eq!(e[0].get("TOTAL"), Some(&Value::Int(1)));
    assert_eq!(e[0].get("FREE"), Some(&Value::Int(1)));
}

#[test]
fn btrfs_subvolumes_kept_bind_mounts_merged() {
    let mountinfo = "1 0 0:30 /@ / rw - btrfs /dev/nvme0n1p2 rw,subvol=/@
2 1 0:30 /@home /home rw - btrfs /dev/nvme0n1p2 rw,subvol=/@home
3 1 0:30 /@home/alice/shared /srv/shared rw - btrfs /dev/nvme0n1p2 rw,subvol=/@home
";
    let table = [
        ("/", 1_000_000, 500_000, 30),
        ("/home", 1_000_000, 500_000, 31),
        ("/srv/shared", 1_000_000, 500_000, 31),
    ];
    let drives = run(&[("/proc/self/mountinfo", mountinfo)], &table);
    let points: Vec<String> = drives.iter().filter_map(|d| d.get_text("TYPE")).collect();
    assert_eq!(points, ["/", "/home"]);
}

#[test]
fn uuid_and_label_from_udev_and_links() {
    let mountinfo = "1 0 8:1 / / rw - ext4 /dev/sda1 rw
2 1 8:2 / /boot/efi rw - vfat /dev/sda2 rw
3 1 253:0 / /srv/my\\040data rw - xfs /dev/mapper/vg-data rw
4 1 8:4 / /mnt/nolabel rw - ext4 /dev/sda4 rw
";
    let files = [
        ("/proc/self/mountinfo", mountinfo),
        (
            "/run/udev/data/b8:1",
            "S:disk/by-uuid/1111\nE:ID_FS_UUID=1111-aaaa\nE:ID_FS_LABEL=root_fs\nE:ID_FS_LABEL_ENC=root\\x20fs\nE:ID_FS_TYPE=ext4\n",
        ),
        ("/dev/sda2", ""),
        ("/dev/dm-0", ""),
        ("/dev/mapper/vg-data", "->../dm-0"),
        ("/dev/disk/by-uuid/ABCD-1234", "->../../sda2"),
        ("/dev/disk/by-label/EFI\\x20SYSTEM", "->../../sda2"),
        ("/dev/disk/by-uuid/9999-dddd", "->../../dm-0"),
        ("/dev/disk/by-uuid/4444-eeee", "->../../sda4"),
    ];
    let table = [
        ("/", 1_000_000, 500_000, 1),
        ("/boot/efi", 500_000, 400_000, 2),
        ("/srv/my data", 2_000_000, 1_000_000, 3),
        ("/mnt/nolabel", 2_000_000, 1_000_000, 4),
    ];
    let drives = run(&files, &table);
    assert_eq!(drives.len(), 4);
    assert_eq!(drives[0].get_text("SERIAL").as_deref(), Some("1111-aaaa"));
    assert_eq!(drives[0].get_text("LABEL").as_deref(), Some("root fs"));
    assert_eq!(drives[1].get_text("SERIAL").as_deref(), Some("ABCD-1234"));
    assert_eq!(drives[1].get_text("LABEL").as_deref(), Some("EFI SYSTEM"));
    assert_eq!(drives[2].get_text("TYPE").as_deref(), Some("/srv/my data"));
    assert_eq!(drives[2].get_text("SERIAL").as_deref(), Some("9999-dddd"));
    // A link to a device node that the tree lacks still resolves lexically.
    assert_eq!(drives[3].get_text("SERIAL").as_deref(), Some("4444-eeee"));
    assert!(drives[3].get("LABEL").is_none());
}

#[test]
fn proc_mounts_fallback() {
    let mounts = "/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n";
    let drives = run(&[("/proc/mounts", mounts)], &[("/", 1_000_000, 500_000, 1)]);
    assert_eq!(drives.len(), 1);
    assert_eq!(drives[0].get_text("VOLUMN").as_deref(), Some("/dev/sda1"));
}

#[test]
fn real_root() {
    let options = crate::inventory::Options::default();
    let ctx = Context { options: &options };
    let mut inv = LocalInventory::default();
    collect(&ctx, &mut inv);
    let drives = inv.entries(Section::Drives);
    // Whatever this machine mounts (/ may be an overlay in a container): sizes are sane.
    for d in drives {
        assert!(
            matches!(d.get("TOTAL"), Some(Value::Int(n)) if *n >= 0),
            "{d:?}"
        );
    }
}
