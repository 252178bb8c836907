"""Forms of the notification pages."""

from __future__ import annotations

from django import forms


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    url = forms.CharField(label="地址", max_length=300, help_text="内网接收系统的 http(s) 地址")
