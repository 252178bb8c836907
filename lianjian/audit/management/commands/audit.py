"""``lianjian audit verify`` and ``lianjian audit checkpoint`` (F13.3)."""

from __future__ import annotations

from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lianjian.audit.services import ChainBrokenError, audit_checkpoint_write
from lianjian.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = (
        "审计日志的完整性：verify 校验 SM3 哈希链与已签名的检查点，完整时退出码 0，"
        "否则退出码 1 并指出第一处断裂；checkpoint 校验后把链头（序号、哈希、条数、时间）"
        "以 HMAC-SM3 签名写入检查点目录（LIANJIAN_AUDIT_CHECKPOINT_DIR），应至少每天一次。"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = (
            "保存期限：审计日志与登录日志保存 LIANJIAN_AUDIT_RETENTION_DAYS 天"
            f"（当前 {settings.LIANJIAN_AUDIT_RETENTION_DAYS} 天，下限 184 天：连续六个自然月最长 184 天）。"
            "\n本命令不删除任何审计记录。"
        )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint}")
        actions.add_parser("verify", help="校验审计链；完整时退出码 0，否则退出码 1 并指出第一处断裂")
        actions.add_parser("checkpoint", help="校验审计链并写入签名的检查点文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify()
        else:
            self._checkpoint()

    def _verify(self) -> None:
        result = audit_chain_verify()
        if not result.ok:
            self.stderr.write(f"审计链校验失败：{result.reason}")
            raise SystemExit(1)
        self.stdout.write(result.reason)
        if result.checkpoint is None:
            self.stdout.write("提示：尚无检查点，无法发现最新记录被删除；请运行 lianjian audit checkpoint。")
        else:
            moment = timezone.localtime(result.checkpoint.created_at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"已与 {moment} 的检查点（第 {result.checkpoint.seq} 条）核对一致。")

    def _checkpoint(self) -> None:
        try:
            checkpoint = audit_checkpoint_write()
        except ChainBrokenError as exc:
            self.stderr.write(f"审计链校验失败，未写入检查点：{exc.result.reason}")
            raise SystemExit(1) from exc
        except OSError as exc:
            raise CommandError(f"检查点文件无法写入：{exc}") from exc
        self.stdout.write(
            f"已写入检查点：第 {checkpoint.seq} 条，共 {checkpoint.count} 条 → {checkpoint.path}"
        )
