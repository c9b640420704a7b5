from django.shortcuts import render


def index(request):
    return render(request, "kb/index.html")


def search(request):
    return render(request, "kb/index.html")
