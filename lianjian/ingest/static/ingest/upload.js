/* 廉检 import page: send the chosen files with XMLHttpRequest so that the upload shows its
   progress, then open the batch's result page. Without JavaScript the form posts normally. */
(function () {
  "use strict";
  var form = document.getElementById("lj-upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = form.querySelector("input[type=file]");
  var submit = document.getElementById("lj-upload-submit");
  var box = document.getElementById("lj-upload-progress");
  var bar = document.getElementById("lj-upload-bar");
  var status = document.getElementById("lj-upload-status");
  var notice = document.getElementById("lj-upload-messages");

  function showErrors(list) {
    notice.textContent = "";
    list.forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      notice.appendChild(line);
    });
    notice.classList.remove("d-none");
    box.classList.add("d-none");
    submit.disabled = false;
  }

  function setProgress(percent, text) {
    var value = Math.max(0, Math.min(100, Math.round(percent)));
    bar.style.width = value + "%";
    bar.textContent = value + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(value));
    status.textContent = text;
  }

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!input.files || input.files.length === 0) { showErrors(["请选择要导入的文件"]); return; }
    notice.classList.add("d-none");
    submit.disabled = true;
    box.classList.remove("d-none");
    bar.classList.remove("progress-bar-striped", "progress-bar-animated", "bg-danger");
    setProgress(0, "正在上传…");

    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        setProgress(e.loaded * 100 / e.total, "正在上传：" + megabytes(e.loaded) + " / " + megabytes(e.total));
      }
    });
    request.upload.addEventListener("load", function () {
      setProgress(100, "上传完成，服务器正在校验和写入，请勿关闭页面…");
      bar.classList.add("progress-bar-striped", "progress-bar-animated");
    });
    request.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
      if (answer && answer.ok && answer.redirect) {
        status.textContent = "已完成，正在打开结果页…";
        window.location.assign(answer.redirect);
      } else if (answer && answer.errors) {
        showErrors(answer.errors);
      } else if (request.status === 403) {
        showErrors(["没有数据导入权限"]);
      } else if (request.status === 413) {
        showErrors(["文件过大，请分批导入或使用命令行 lianjian import"]);
      } else {
        showErrors(["导入失败（服务器返回 " + request.status + "），请稍后重试"]);
      }
    });
    request.addEventListener("error", function () { showErrors(["网络错误，未收到服务器的结果：请到“导入批次”中查看本次是否已记录"]); });
    request.addEventListener("abort", function () { showErrors(["上传已取消，未写入任何数据"]); });
    request.send(new FormData(form));
  });
})();
