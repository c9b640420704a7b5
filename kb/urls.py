from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.index, name="index"),
    path("category/<int:category_id>/", views.category, name="category-bare"),
    path("category/<int:category_id>/<str:slug>/", views.category, name="category"),
    path("article/<int:article_id>/", views.article, name="article-bare"),
    path("article/<int:article_id>/rate/", views.rate, name="rate"),
    path("article/<int:article_id>/comment/", views.comment, name="comment"),
    path("article/<int:article_id>/<str:slug>/", views.article, name="article"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
]
